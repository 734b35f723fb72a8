# cmake --install into a fresh prefix, then the installed viewer runs its headless demo from there
# and reports the project's version. cmake -DBUILD=<build dir> -DPREFIX=<dir> -DVERSION=<x.y.z> -P
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f bin/rtviewer share/doc/rtviewer/README.md share/doc/rtviewer/examples/publish.py)
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
