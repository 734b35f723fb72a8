# cmake --install into a fresh prefix, then the installed viewer runs its headless demo from there
# and reports the project's version, and a program builds against the installed client library
# and its header alone (examples/publish.cpp). cmake -DBUILD=<build dir> -DPREFIX=<dir>
# -DVERSION=<x.y.z> -DLIBDIR=.. -DINCLUDEDIR=.. -DCXX=<compiler> -DSANITIZE=.. -DEXAMPLE=<.cpp> -P
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f bin/rtviewer share/doc/rtviewer/README.md share/doc/rtviewer/examples/publish.py
          ${INCLUDEDIR}/rtviewer/client/publisher.hpp ${LIBDIR}/librtv_client.a)
    if(NOT EXISTS ${PREFIX}/${f})
        message(FATAL_ERROR "cmake --install did not install ${f}")
    endif()
endforeach()
execute_process(COMMAND ${PREFIX}/bin/rtviewer --version OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "rtviewer ${VERSION}\n")
    message(FATAL_ERROR "installed rtviewer --version: '${out}' (status ${rc}), expected 'rtviewer ${VERSION}'")
endif()
execute_process(COMMAND ${PREFIX}/bin/rtviewer --headless --frames 10
                        --screenshot ${PREFIX}/demo.png --stats-json ${PREFIX}/demo.json
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0 OR NOT EXISTS ${PREFIX}/demo.png OR NOT EXISTS ${PREFIX}/demo.json)
    message(FATAL_ERROR "the installed viewer's headless demo failed: status ${rc}")
endif()
set(flags -std=c++20)
if(SANITIZE)
    list(APPEND flags -fsanitize=${SANITIZE}) # the installed libraries are instrumented too
endif()
execute_process(COMMAND ${CXX} ${flags} ${EXAMPLE} -I${PREFIX}/${INCLUDEDIR}/rtviewer
                        -L${PREFIX}/${LIBDIR} -lrtv_client -lrtv_wire -lrtv_core -lzmq
                        -o ${PREFIX}/publish
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${PREFIX}/publish)
    message(FATAL_ERROR "a program does not build against the installed client library: ${err}")
endif()
