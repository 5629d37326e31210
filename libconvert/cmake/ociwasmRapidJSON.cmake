# Defines ociwasm::rapidjson, the header-only RapidJSON that the public headers include, after
# find_package(RapidJSON). Shared by the build and the installed package config, so both find it
# the same way: RapidJSON 1.1.0 (Debian 12) only sets RAPIDJSON_INCLUDE_DIRS, later versions set
# RapidJSON_INCLUDE_DIRS.
if(NOT TARGET ociwasm::rapidjson)
  if(DEFINED RapidJSON_INCLUDE_DIRS)
    set(_ociwasm_rapidjson_include ${RapidJSON_INCLUDE_DIRS})
  else()
    set(_ociwasm_rapidjson_include ${RAPIDJSON_INCLUDE_DIRS})
  endif()
  add_library(ociwasm::rapidjson INTERFACE IMPORTED)
  set_target_properties(ociwasm::rapidjson PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_ociwasm_rapidjson_include}")
  unset(_ociwasm_rapidjson_include)
endif()
