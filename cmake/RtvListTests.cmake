# cmake -DEXE=test-executable -DOUT=cases.xml -P RtvListTests.cmake: the executable's doctest
# test cases, with their suites, as doctest's XML reporter lists them. Run after each link.
execute_process(COMMAND "${EXE}" --list-test-cases --reporters=xml
    OUTPUT_FILE "${OUT}.part" ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    file(REMOVE "${OUT}.part" "${OUT}")
    message(FATAL_ERROR "${EXE} --list-test-cases exited with ${rc}:\n${err}")
endif()
file(RENAME "${OUT}.part" "${OUT}")
