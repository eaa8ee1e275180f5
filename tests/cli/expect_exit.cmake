# Runs EXE with ARGS and checks the exit code is EXPECT_CODE and stderr/stdout contain EXPECT_TEXT.
execute_process(COMMAND ${EXE} ${ARGS} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL EXPECT_CODE)
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECT_CODE}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${out}${err}" "${EXPECT_TEXT}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "output lacks '${EXPECT_TEXT}'\nstdout: ${out}\nstderr: ${err}")
endif()
