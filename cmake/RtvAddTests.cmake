# Included by ctest (through a directory's TEST_INCLUDE_FILES, see TestDiscovery.cmake): one
# test per <TestCase> of RTV_CASES_FILE, running RTV_CASES_EXE --test-case=NAME, labelled with
# its suite and given RTV_CASES_PROPERTIES.
if(NOT EXISTS "${RTV_CASES_FILE}")
    # Not built (or its listing failed): one test that fails and says so, not a silent nothing.
    get_filename_component(rtv_exe_name "${RTV_CASES_EXE}" NAME)
    add_test("${rtv_exe_name}_NOT_BUILT" "${RTV_CASES_EXE}_NOT_BUILT")
    return()
endif()
file(READ "${RTV_CASES_FILE}" rtv_xml)
# XML's five escapes undone, &amp; last ("&amp;lt;" is "&lt;"); a quote of a name stands as
# character 1 until the name is cut out of its quotes.
string(ASCII 1 rtv_quote)
string(REPLACE "&lt;" "<" rtv_xml "${rtv_xml}")
string(REPLACE "&gt;" ">" rtv_xml "${rtv_xml}")
string(REPLACE "&apos;" "'" rtv_xml "${rtv_xml}")
string(REPLACE "&quot;" "${rtv_quote}" rtv_xml "${rtv_xml}")
string(REPLACE "&amp;" "&" rtv_xml "${rtv_xml}")
if(rtv_xml MATCHES "<TestCase name=\"([^\"]*;[^\"]*)\"")
    # A CMake list would cut the name at its ';': one test that fails, naming the case.
    get_filename_component(rtv_exe_name "${RTV_CASES_EXE}" NAME)
    string(REPLACE ";" "<semicolon>" rtv_bad "${CMAKE_MATCH_1}")
    add_test("${rtv_exe_name}_HAS_A_TEST_NAME_WITH_A_SEMICOLON" /bin/sh -c "echo \"$0\"; exit 1"
             "rename the test case without its semicolon: ${rtv_bad}")
    return()
endif()
# <TestCase name="..." testsuite="..." filename=...>; testsuite is left out for a case in no suite.
string(REGEX MATCHALL "<TestCase name=\"[^\"]*\"( testsuite=\"[^\"]*\")?" rtv_cases "${rtv_xml}")
foreach(rtv_case IN LISTS rtv_cases)
    string(REGEX REPLACE "^<TestCase name=\"([^\"]*)\".*$" "\\1" rtv_name "${rtv_case}")
    string(REPLACE "${rtv_quote}" "\"" rtv_name "${rtv_name}")
    set(rtv_suite "")
    if(rtv_case MATCHES " testsuite=\"([^\"]*)\"$")
        string(REPLACE "${rtv_quote}" "\"" rtv_suite "${CMAKE_MATCH_1}")
    endif()
    # doctest splits a filter at commas; "\," is a comma of the name.
    string(REPLACE "," "\\," rtv_filter "${rtv_name}")
    set(rtv_labels "")
    if(NOT rtv_suite STREQUAL "")
        set(rtv_labels LABELS "${rtv_suite}")
    endif()
    add_test("${rtv_name}" "${RTV_CASES_EXE}" "--test-case=${rtv_filter}")
    set_tests_properties("${rtv_name}" PROPERTIES WORKING_DIRECTORY "${RTV_CASES_DIR}"
                         ${RTV_CASES_PROPERTIES} ${rtv_labels})
endforeach()
