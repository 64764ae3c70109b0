# The facade's source files, shared by the facade (CMakeLists.txt) and the sanitizer builds
# (fuzz/CMakeLists.txt) so that both compile the same list. Sets ET4J_FACADE_SOURCES from
# ET4J_SOURCE_DIR (default: src/ beside this file; the fuzz build may point it at a patched copy).
if(NOT ET4J_SOURCE_DIR)
  set(ET4J_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/src")
endif()
set(ET4J_FACADE_SOURCES
    ${ET4J_SOURCE_DIR}/facade/error.cpp
    ${ET4J_SOURCE_DIR}/facade/program.cpp
    ${ET4J_SOURCE_DIR}/facade/program_reader.cpp
    ${ET4J_SOURCE_DIR}/facade/memory.cpp
    ${ET4J_SOURCE_DIR}/facade/method.cpp
    ${ET4J_SOURCE_DIR}/facade/profile.cpp
    ${ET4J_SOURCE_DIR}/facade/kernels.cpp
    ${ET4J_SOURCE_DIR}/facade/state.cpp)
# The worker's client needs Linux (memfd, SCM_RIGHTS; the worker itself seccomp): elsewhere the
# stub makes every et_worker_* call fail with NotSupported.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  list(APPEND ET4J_FACADE_SOURCES ${ET4J_SOURCE_DIR}/worker/client_linux.cpp ${ET4J_SOURCE_DIR}/worker/transport.cpp)
else()
  list(APPEND ET4J_FACADE_SOURCES ${ET4J_SOURCE_DIR}/worker/client_stub.cpp)
endif()
