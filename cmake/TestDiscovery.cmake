# rtv_discover_tests(TARGET [PROPERTIES prop value ...]): one ctest test per doctest test case
# of TARGET, labelled with the case's test suite.
#
# doctest's own doctest_discover_tests(ADD_LABELS 1) runs the executable once per test case to
# learn its suite: rtv_app_tests, 82 cases, took 24 s to "link" under ASan (0.3 s a start).
# Here the executable runs once after it is built, listing every case with its suite through
# doctest's XML reporter; ctest reads that list when it starts (RtvListTests.cmake,
# RtvAddTests.cmake). A name may hold a comma (escaped in doctest's filter), not a semicolon
# (ctest then gets a failing test that names the case).

function(rtv_discover_tests target)
    cmake_parse_arguments(ARG "" "" "PROPERTIES" ${ARGN})
    set(list_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_cases.xml")
    set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
    add_custom_command(TARGET ${target} POST_BUILD
        COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${target}> -DOUT=${list_file}
                -P ${PROJECT_SOURCE_DIR}/cmake/RtvListTests.cmake
        BYPRODUCTS ${list_file}
        COMMENT "Listing the test cases of ${target}"
        VERBATIM)
    # The properties as a CMake list in a bracket argument: values may hold '=' and spaces.
    file(GENERATE OUTPUT "${include_file}" CONTENT
"set(RTV_CASES_FILE [==[${list_file}]==])
set(RTV_CASES_EXE [==[$<TARGET_FILE:${target}>]==])
set(RTV_CASES_DIR [==[${CMAKE_CURRENT_BINARY_DIR}]==])
set(RTV_CASES_PROPERTIES [==[${ARG_PROPERTIES}]==])
include([==[${PROJECT_SOURCE_DIR}/cmake/RtvAddTests.cmake]==])
")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
