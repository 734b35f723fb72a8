# The module boundaries (shared/STYLE.md 3.2), checked on every ctest run:
#   core/      standard library and moodycamel only: no SDL, GL, ImGui, render/, producers/, app/
#   producers/ core/ and wire/ only: no SDL, GL, ImGui, render/, app/, client/
#   wire/      core/ only: the codec clients link (no ZeroMQ either: it encodes and decodes bytes);
#              wire/curve.* alone (rtv::curve, a library of its own) also uses ZeroMQ
#   render/    no SDL, no ImGui backends, no thread primitives (everything runs on the main thread)
#   storage/   core/, wire/ and libhdf5: no SDL, GL, ImGui, render/, producers/, app/
#   client/    what a publishing program links: no SDL, GL, ImGui, render/ or app/
#   plugin_host/ core/, producers/ and the plugin header: no SDL, GL, ImGui, render/, app/
#   sdk/       the plugin ABI: one C header that includes <stddef.h> and <stdint.h> alone
# Usage: cmake -DROOT=<source dir> -P check_layering.cmake
set(core_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "\"render/" "\"producers/" "\"app/")
set(producers_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "\"render/" "\"app/" "\"client/")
set(wire_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "<zmq" "\"render/" "\"producers/" "\"app/" "\"client/")
# wire/curve.hpp and .cpp (rtv::curve): CURVE is ZeroMQ's, so <zmq is theirs; the rest holds.
set(wire_curve_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "\"render/" "\"producers/" "\"app/" "\"client/")
set(client_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "\"render/" "\"app/")
set(plugin_host_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "\"render/" "\"app/")
set(storage_forbidden "<SDL" "<glad/" "<GL/" "<EGL/" "<imgui" "<backends/" "\"render/" "\"producers/" "\"app/")
set(render_forbidden "<SDL" "<backends/" "<thread>" "<mutex>" "<condition_variable>" "<future>"
    "<stop_token>" "\"producers/" "\"app/")

set(violations "")
foreach(module core wire producers render client plugin_host storage)
    file(GLOB_RECURSE files "${ROOT}/${module}/*.hpp" "${ROOT}/${module}/*.cpp" "${ROOT}/${module}/*.h")
    foreach(f IN LISTS files)
        set(rules ${module}_forbidden)
        if(f MATCHES "/wire/curve\\.(hpp|cpp)$")
            set(rules wire_curve_forbidden)
        endif()
        file(STRINGS "${f}" includes REGEX "^[ \t]*#[ \t]*include")
        foreach(line IN LISTS includes)
            foreach(bad IN LISTS ${rules})
                string(FIND "${line}" "${bad}" pos)
                if(NOT pos EQUAL -1)
                    file(RELATIVE_PATH rel "${ROOT}" "${f}")
                    string(STRIP "${line}" line)
                    list(APPEND violations "${rel}: ${line}")
                endif()
            endforeach()
        endforeach()
    endforeach()
endforeach()

file(STRINGS "${ROOT}/sdk/rtviewer/plugin.h" includes REGEX "^[ \t]*#[ \t]*include")
foreach(line IN LISTS includes)
    if(NOT line MATCHES "^#include <(stddef|stdint)\\.h>$")
        list(APPEND violations "sdk/rtviewer/plugin.h: ${line} (C99's <stddef.h> and <stdint.h> only)")
    endif()
endforeach()

if(violations)
    list(JOIN violations "\n" text)
    message(FATAL_ERROR "layering violations:\n${text}")
endif()
message(STATUS "layering: core, wire, producers, render, client, plugin_host, storage and sdk keep to their dependencies")
