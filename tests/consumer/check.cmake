# The consumer-project test (ctest package.consumer): installs the build into a fresh prefix,
# checks that every public header was installed, then configures, builds and runs the project
# in this directory against that prefix only.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DCONFIG=... -DGENERATOR=...
#         -DCXX_COMPILER=... -DCXX_FLAGS=... -DLINKER_FLAGS=... -DLAYOUT=... -P check.cmake
cmake_minimum_required(VERSION 3.25)

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --config ${CONFIG}
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)

file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/include/*)
file(GLOB sources RELATIVE ${SOURCE_DIR}/libconvert/include
     ${SOURCE_DIR}/libconvert/include/ociwasm/*)
list(TRANSFORM sources PREPEND include/)
list(SORT installed)
list(SORT sources)
if(NOT installed STREQUAL sources)
  message(FATAL_ERROR "installed headers differ from libconvert/include:\n"
                      "  installed: ${installed}\n  expected:  ${sources}")
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${consumer_build} -G ${GENERATOR}
          -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
          -DCMAKE_BUILD_TYPE=${CONFIG} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
          -DCMAKE_CXX_FLAGS=${CXX_FLAGS} -DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}
  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
# The package must have come from the fresh prefix, not from anywhere else on the machine.
file(STRINGS ${consumer_build}/CMakeCache.txt found_at REGEX "^ociwasm_DIR:")
string(FIND "${found_at}" "=${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "find_package(ociwasm) did not use ${prefix}: ${found_at}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${consumer_build} --config ${CONFIG}
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${consumer_build}/consumer ${LAYOUT} COMMAND_ERROR_IS_FATAL ANY)
