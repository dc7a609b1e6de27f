# Generates a C++ source that embeds every migrations/NNNN_<module>__<what>.sql
# file (see platform::EmbeddedMigrations). Run as:
#   cmake -DSRC_DIR=<migrations dir> -DOUT=<file.cc> -P embed_migrations.cmake
file(GLOB files RELATIVE ${SRC_DIR} ${SRC_DIR}/*.sql)
list(SORT files)
set(body "")
set(previous 0)
foreach(f ${files})
  if(NOT f MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+__[a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration ${f}: name must be NNNN_<module>__<what>.sql")
  endif()
  set(name ${CMAKE_MATCH_2})
  math(EXPR version "1${CMAKE_MATCH_1} - 10000")
  if(NOT version GREATER previous)
    message(FATAL_ERROR "migration ${f}: version must be greater than ${previous}")
  endif()
  set(previous ${version})
  file(READ ${SRC_DIR}/${f} sql)
  if(sql MATCHES "\\)rwsql\"")
    message(FATAL_ERROR "migration ${f} contains the embedding delimiter")
  endif()
  string(APPEND body "    {${version}, \"${name}\", R\"rwsql(${sql})rwsql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from migrations/*.sql by cmake/embed_migrations.cmake.
#include \"modules/platform/migrations.h\"

namespace rentwave::platform {

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration> kAll = {
${body}  };
  return kAll;
}

}  // namespace rentwave::platform
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
