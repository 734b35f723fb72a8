# cmake --install into a fresh prefix, then the installed viewer runs its headless demo from there
# and reports the project's version, and a program builds against the installed client library
# and its header alone (examples/publish.cpp). cmake -DBUILD=<build dir> -DPREFIX=<dir>
# -DVERSION=<x.y.z> -DLIBDIR=.. -DINCLUDEDIR=.. -DCXX=<compiler> -DSANITIZE=.. -DEXAMPLE=<.cpp>
# -DSOURCE=<source dir> -P
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f bin/rtviewer share/doc/rtviewer/README.md share/doc/rtviewer/examples/publish.py
          share/doc/rtviewer/docs/index.md share/doc/rtviewer/docs/screenshot.png
          share/doc/rtviewer/bench/RESULTS.md share/man/man1/rtviewer.1.gz
          lib/python3/dist-packages/rtviewer/__init__.py
          ${INCLUDEDIR}/rtviewer/client/publisher.hpp ${LIBDIR}/librtv_client.a)
    if(NOT EXISTS ${PREFIX}/${f})
        message(FATAL_ERROR "cmake --install did not install ${f}")
    endif()
endforeach()
execute_process(COMMAND ${PREFIX}/bin/rtviewer --version OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "rtviewer ${VERSION}\n")
    message(FATAL_ERROR "installed rtviewer --version: '${out}' (status ${rc}), expected 'rtviewer ${VERSION}'")
endif()
# The manual page: help2man's, made from this viewer's --help (every flag), with the producers
# and the sections of docs/rtviewer.h2m; and man(1) reads it.
execute_process(COMMAND gzip -dc ${PREFIX}/share/man/man1/rtviewer.1.gz OUTPUT_VARIABLE page
                RESULT_VARIABLE rc)
foreach(want "help2man" ".TH RTVIEWER \"1\"" "rtviewer ${VERSION}" "\\-\\-history\\-export"
             "\\-\\-list\\-producers" "\n.SH PRODUCERS\n" "\n  sweep  "
             "\n.SH ENVIRONMENT\n" "\n.SH \"SEE ALSO\"\n" "/usr/share/doc/rtviewer/docs")
    string(FIND "${page}" "${want}" at)
    if(NOT rc EQUAL 0 OR at EQUAL -1)
        message(FATAL_ERROR "the installed manual page (status ${rc}) lacks '${want}'")
    endif()
endforeach()
if(page MATCHES "here [0-9]+\\)")
    message(FATAL_ERROR "the installed manual page names the build machine's memory")
endif()
find_program(MAN man)
if(MAN)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env MANWIDTH=80 LC_ALL=C.UTF-8
                            ${MAN} -l ${PREFIX}/share/man/man1/rtviewer.1.gz
                    OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT text MATCHES "--history-export")
        message(FATAL_ERROR "man -l cannot read the installed manual page (status ${rc}): ${err}")
    endif()
endif()
# --help ends with where the documentation is, and it is there.
execute_process(COMMAND ${PREFIX}/bin/rtviewer --help OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "man rtviewer, and share/doc/rtviewer/docs/index.md under the install prefix[^\n]*\n$")
    message(FATAL_ERROR "installed rtviewer --help does not end with where the docs are: '${out}'")
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
                        -L${PREFIX}/${LIBDIR} -lrtv_client -lrtv_curve -lrtv_wire -lrtv_core -lzmq
                        -o ${PREFIX}/publish
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${PREFIX}/publish)
    message(FATAL_ERROR "a program does not build against the installed client library: ${err}")
endif()
# The Python client: installed where python3 finds it, with the project's version; and
# `pip install ./python` (setuptools from Debian, no index) into a virtual environment.
execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${PREFIX}/lib/python3/dist-packages
                        /usr/bin/python3 -c "import rtviewer; print(rtviewer.__version__)"
                WORKING_DIRECTORY ${PREFIX} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "${VERSION}\n")
    message(FATAL_ERROR "installed Python package: version '${out}' (status ${rc}), expected ${VERSION}")
endif()
file(READ ${SOURCE}/python/pyproject.toml pyproject)
if(NOT pyproject MATCHES "version = \"${VERSION}\"")
    message(FATAL_ERROR "python/pyproject.toml's version is not the project's ${VERSION}")
endif()
execute_process(COMMAND /usr/bin/python3 -m venv --system-site-packages ${PREFIX}/venv
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "python3 -m venv failed: ${err}")
endif()
file(COPY ${SOURCE}/python DESTINATION ${PREFIX}/src) # pip builds in place: not in the sources
execute_process(COMMAND ${PREFIX}/venv/bin/pip install --no-build-isolation --no-index
                        --disable-pip-version-check ${PREFIX}/src/python
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pip install ./python failed: ${out}${err}")
endif()
execute_process(COMMAND ${PREFIX}/venv/bin/python -c
                        "import rtviewer, os; print(rtviewer.__version__, 'venv' in rtviewer.__file__)"
                WORKING_DIRECTORY ${PREFIX} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "${VERSION} True\n")
    message(FATAL_ERROR "the pip-installed package: '${out}' (status ${rc})")
endif()
# Producer plugins: the example plugins where the installed viewer loads them by itself, the
# header, and both ways of building a plugin out of tree against the installed header alone:
# find_package(rtviewer) with the installed examples' CMakeLists.txt, and pkg-config rtviewer.
foreach(f lib/rtviewer/plugins/testcard.so lib/rtviewer/plugins/misbehave.so
          ${INCLUDEDIR}/rtviewer/plugin.h ${LIBDIR}/cmake/rtviewer/rtviewer-config.cmake
          ${LIBDIR}/pkgconfig/rtviewer.pc share/doc/rtviewer/examples/plugins/CMakeLists.txt
          share/doc/rtviewer/examples/plugins/testcard/testcard.c)
    if(NOT EXISTS ${PREFIX}/${f})
        message(FATAL_ERROR "cmake --install did not install ${f}")
    endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E env RTV_PLUGIN_PATH= ${PREFIX}/bin/rtviewer
                        --list-producers OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\n  testcard  [^\n]*\n      from plugin ${PREFIX}/lib/rtviewer/plugins/testcard.so")
    message(FATAL_ERROR "the installed viewer does not load its installed plugins: ${out}")
endif()
set(out_of_tree ${PREFIX}/plugins-build)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${PREFIX}/share/doc/rtviewer/examples/plugins
                        -B ${out_of_tree} -DCMAKE_PREFIX_PATH=${PREFIX}
                        -DCMAKE_INSTALL_PREFIX=${PREFIX}/plugins-installed
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
    execute_process(COMMAND ${CMAKE_COMMAND} --build ${out_of_tree}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endif()
if(NOT rc EQUAL 0 OR NOT EXISTS ${out_of_tree}/testcard.so OR NOT EXISTS ${out_of_tree}/misbehave.so)
    message(FATAL_ERROR "the example plugins do not build out of tree with find_package(rtviewer): ${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig
                        sh -c "cc -shared -fPIC -std=c99 -Wall -Werror $(pkg-config --cflags rtviewer) \"$0\" -o \"$1\""
                        ${PREFIX}/share/doc/rtviewer/examples/plugins/testcard/testcard.c
                        ${PREFIX}/pkg-config-testcard.so
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the testcard plugin does not build with pkg-config rtviewer: ${err}")
endif()
# The plugin built with pkg-config, loaded by --plugin (the installed plugins left out) and run:
# the viewer takes its frames.
execute_process(COMMAND ${CMAKE_COMMAND} -E env SDL_VIDEODRIVER=offscreen RTV_PLUGIN_DIR=
                        ${PREFIX}/bin/rtviewer --headless --exit-when-done --plugin
                        ${PREFIX}/pkg-config-testcard.so -p testcard:iterations=3,policy=wait
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "testcard/image +[a-z]+ +produced 3, displayed")
    message(FATAL_ERROR "the installed viewer does not run a plugin built out of tree (status ${rc}): ${out}${err}")
endif()
