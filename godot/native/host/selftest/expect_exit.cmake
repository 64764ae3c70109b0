# Runs CMD (a ;-list) and checks that it exits with code EXPECT and, if OUTPUT is set (a
# ;-list of regular expressions), that its output matches each of them.
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
message("${err}")
if(NOT "${rc}" STREQUAL "${EXPECT}")
  message(FATAL_ERROR "expected exit code ${EXPECT}, got ${rc}")
endif()
foreach(re IN LISTS OUTPUT)
  if(NOT "${out}" MATCHES "${re}")
    message(FATAL_ERROR "output does not match: ${re}")
  endif()
endforeach()
