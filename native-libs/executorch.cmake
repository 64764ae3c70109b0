# How a target builds against the ExecuTorch SDK from the executorch==1.5.1 wheel; shared by
# the facade (CMakeLists.txt) and the sanitizer builds (fuzz/CMakeLists.txt).
# Needs EXECUTORCH_ROOT (the wheel's `executorch` folder). Sets ET4J_RUNTIME_LIBS.

# The package config gives include dirs on any CMake; its imported targets need >= 3.28, so
# the libraries are named by path below.
find_package(executorch CONFIG REQUIRED PATHS "${EXECUTORCH_ROOT}/lib/cmake/executorch" NO_DEFAULT_PATH)

# The runtime plus the components ordinary exported models need. Kernel and backend libraries
# register themselves from static initializers and export nothing we reference, so they are
# linked --no-as-needed.
set(ET4J_COMPONENTS
    executorch executorch_threadpool executorch_kernels_optimized
    executorch_kernels_quantized executorch_backend_xnnpack executorch_etdump)
set(ET4J_RUNTIME_LIBS "")
foreach(c ${ET4J_COMPONENTS})
  find_library(ET4J_LIB_${c} NAMES ${c} PATHS "${EXECUTORCH_ROOT}/lib" NO_DEFAULT_PATH REQUIRED)
  list(APPEND ET4J_RUNTIME_LIBS "${ET4J_LIB_${c}}")
endforeach()

# Compiles `target` against the ExecuTorch headers and links the runtime components.
function(et4j_use_executorch target)
  target_include_directories(${target} PRIVATE ${EXECUTORCH_INCLUDE_DIRS})
  target_compile_definitions(${target} PRIVATE C10_USING_CUSTOM_GENERATED_MACROS ET_EVENT_TRACER_ENABLED)
  if(APPLE)
    # Mach-O keeps every dylib named on the command line (no --as-needed by default).
    target_link_libraries(${target} PRIVATE ${ET4J_RUNTIME_LIBS})
  else()
    target_link_libraries(${target} PRIVATE -Wl,--push-state,--no-as-needed ${ET4J_RUNTIME_LIBS} -Wl,--pop-state)
  endif()
endfunction()
