# cpack -G DEB from the build tree: the package's Depends name the runtime libraries and the GL
# drivers, the viewer it holds runs, and it holds the manual page, the documentation, the
# example plugins and the plugin header. cmake -DBUILD=<build dir> -DOUT=<dir> -DVERSION=<x.y.z> -P
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND cpack -G DEB --config ${BUILD}/CPackConfig.cmake -B ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cpack -G DEB failed (${rc}): ${log}")
endif()
file(GLOB debs ${OUT}/rtviewer_${VERSION}_*.deb)
list(LENGTH debs n)
if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one rtviewer_${VERSION}_*.deb in ${OUT}, found ${n}")
endif()
execute_process(COMMAND dpkg-deb -f ${debs} Depends OUTPUT_VARIABLE depends RESULT_VARIABLE rc)
foreach(want libsdl2 libzmq5 libstdc++6 libegl1 libgl1-mesa-dri)
    string(FIND "${depends}" "${want}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "the package's Depends lack ${want}: ${depends}")
    endif()
endforeach()
execute_process(COMMAND dpkg-deb -x ${debs} ${OUT}/root RESULT_VARIABLE rc)
execute_process(COMMAND ${OUT}/root/usr/bin/rtviewer --version OUTPUT_VARIABLE out
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "rtviewer ${VERSION}\n")
    message(FATAL_ERROR "the packaged rtviewer --version: '${out}' (status ${rc})")
endif()
foreach(f usr/share/man/man1/rtviewer.1.gz usr/share/doc/rtviewer/README.md
          usr/share/doc/rtviewer/docs/index.md usr/lib/rtviewer/plugins/testcard.so
          usr/lib/rtviewer/plugins/misbehave.so usr/include/rtviewer/plugin.h)
    if(NOT EXISTS ${OUT}/root/${f})
        message(FATAL_ERROR "the package lacks /${f}")
    endif()
endforeach()
execute_process(COMMAND gzip -dc ${OUT}/root/usr/share/man/man1/rtviewer.1.gz OUTPUT_VARIABLE page
                RESULT_VARIABLE rc)
string(FIND "${page}" "\\-\\-headless" at)
if(NOT rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "the packaged manual page does not name --headless (status ${rc})")
endif()
