// Checks the module rules of DESIGN.md section 2 on source text:
//  - a module includes another module only through its public header
//    (modules/<m>/<m>.h); modules/platform is everyone's;
//  - every table belongs to the module of the migration that creates it and
//    carries its prefix (platform's tables excepted);
//  - no source names another module's table, and no migration references one;
//  - a module's SQL (its table names) lives only in its *_store.cc files and
//    its tests.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rentwave::boundaries {

struct SourceFile {
  std::string
      path;  // relative to the repository root, e.g. modules/users/users.cc
  std::string text;
};

// table name -> owning module, from migrations named NNNN_<module>__*.sql.
// Violations (a table without its module's prefix) are appended to `errors`.
std::map<std::string, std::string> TableOwners(
    const std::vector<SourceFile>& migrations,
    std::vector<std::string>* errors);

// Every rule violation in `sources` (modules/** and app/** files) and
// `migrations`, one readable line each; empty if the tree is clean.
std::vector<std::string> Check(const std::vector<SourceFile>& sources,
                               const std::vector<SourceFile>& migrations);

}  // namespace rentwave::boundaries
