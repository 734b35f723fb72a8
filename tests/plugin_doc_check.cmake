# docs/plugins.md shows the whole of examples/plugins/minimal/minimal.c, the plugin the build
# compiles and a test runs: the page's code is never a stale copy. cmake -DROOT=<source> -P
file(READ ${ROOT}/examples/plugins/minimal/minimal.c code)
file(READ ${ROOT}/docs/plugins.md page)
string(FIND "${page}" "```c\n${code}```" at)
if(at EQUAL -1)
    message(FATAL_ERROR "docs/plugins.md does not show examples/plugins/minimal/minimal.c as it is")
endif()
