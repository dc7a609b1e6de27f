# rentwave_protoc(<out_var> ROOTS <import roots...> PROTOS <protos...>
#                 SERVICES <protos...>)
# Generates C++ for each proto (a path relative to one of ROOTS) into
# ${CMAKE_CURRENT_BINARY_DIR}/gen, with gRPC stubs for those in SERVICES, and
# sets <out_var> to the generated files.
#
# protoc is driven directly rather than through protobuf_generate(): CMake
# 3.25's helper derives output paths from the source directory, which breaks
# for protos that live outside it (/usr/share/...).
function(rentwave_protoc out_var)
  cmake_parse_arguments(P "" "" "ROOTS;PROTOS;SERVICES" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${gen_dir})
  list(TRANSFORM P_ROOTS PREPEND -I OUTPUT_VARIABLE includes)
  set(generated)
  foreach(proto ${P_PROTOS} ${P_SERVICES})
    unset(src)
    foreach(root ${P_ROOTS})
      if(NOT DEFINED src AND EXISTS ${root}/${proto})
        set(src ${root}/${proto})
      endif()
    endforeach()
    if(NOT DEFINED src)
      message(FATAL_ERROR "proto ${proto} not found under ${P_ROOTS}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outs ${gen_dir}/${stem}.pb.h ${gen_dir}/${stem}.pb.cc)
    set(args --cpp_out=${gen_dir})
    if(proto IN_LIST P_SERVICES)
      list(APPEND outs ${gen_dir}/${stem}.grpc.pb.h ${gen_dir}/${stem}.grpc.pb.cc)
      list(APPEND args --grpc_out=${gen_dir}
           --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc ${includes} ${args} ${proto}
      DEPENDS ${src} protobuf::protoc gRPC::grpc_cpp_plugin
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND generated ${outs})
  endforeach()
  set(${out_var} ${generated} PARENT_SCOPE)
endfunction()
