#include "tests/boundaries/boundaries.h"

#include <regex>

namespace rentwave::boundaries {
namespace {

// "modules/users/users.cc" -> "users"; "" for files outside modules/.
std::string ModuleOf(const std::string& path) {
  static const std::regex kModule("^modules/([a-z0-9_]+)/");
  std::smatch m;
  return std::regex_search(path, m, kModule) ? m[1].str() : "";
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool MayHoldSql(const std::string& path) {
  return EndsWith(path, "_store.cc") || EndsWith(path, "_store.h") ||
         EndsWith(path, "_test.cc");
}

bool NamesWord(const std::string& text, const std::string& word) {
  std::regex pattern("\\b" + word + "\\b");
  return std::regex_search(text, pattern);
}

void CheckIncludes(const SourceFile& f, std::vector<std::string>* errors) {
  static const std::regex kInclude(
      "#include\\s+\"modules/([a-z0-9_]+)/([a-zA-Z0-9_./]+)\"");
  std::string self = ModuleOf(f.path);
  for (auto it = std::sregex_iterator(f.text.begin(), f.text.end(), kInclude);
       it != std::sregex_iterator(); ++it) {
    std::string other = (*it)[1].str(), header = (*it)[2].str();
    if (other == self || other == "platform") continue;
    bool public_header = header == other + ".h";
    // The app wires modules to the server, so it may also take their gRPC
    // adapters; modules may not.
    bool app_adapter = self.empty() && header == other + "_grpc.h";
    if (!public_header && !app_adapter) {
      errors->push_back(f.path + " includes modules/" + other + "/" + header +
                        ", which is not that module's public header " + other +
                        ".h");
    }
  }
}

}  // namespace

std::map<std::string, std::string> TableOwners(
    const std::vector<SourceFile>& migrations,
    std::vector<std::string>* errors) {
  static const std::regex kName(
      "(^|/)[0-9]{4}_([a-z0-9_]+?)__[a-z0-9_]+\\.sql$");
  static const std::regex kCreate(
      "CREATE\\s+(VIRTUAL\\s+)?TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?"
      "([A-Za-z0-9_]+)",
      std::regex::icase);
  std::map<std::string, std::string> owners;
  for (const SourceFile& m : migrations) {
    std::smatch name;
    if (!std::regex_search(m.path, name, kName)) {
      errors->push_back(m.path + ": name is not NNNN_<module>__<what>.sql");
      continue;
    }
    std::string module = name[2].str();
    for (auto it = std::sregex_iterator(m.text.begin(), m.text.end(), kCreate);
         it != std::sregex_iterator(); ++it) {
      std::string table = (*it)[3].str();
      if (module != "platform" && table.rfind(module + "_", 0) != 0) {
        errors->push_back(m.path + ": table " + table +
                          " lacks its module prefix " + module + "_");
      }
      owners[table] = module;
    }
  }
  return owners;
}

std::vector<std::string> Check(const std::vector<SourceFile>& sources,
                               const std::vector<SourceFile>& migrations) {
  std::vector<std::string> errors;
  std::map<std::string, std::string> owners = TableOwners(migrations, &errors);
  static const std::regex kMigrationName("[0-9]{4}_([a-z0-9_]+?)__");
  for (const SourceFile& m : migrations) {
    std::smatch name;
    if (!std::regex_search(m.path, name, kMigrationName)) continue;
    for (const auto& [table, owner] : owners) {
      if (owner != name[1].str() &&
          NamesWord(m.text, "REFERENCES\\s+" + table)) {
        errors.push_back(m.path + " has a foreign key into " + owner +
                         "'s table " + table);
      }
    }
  }
  for (const SourceFile& f : sources) {
    CheckIncludes(f, &errors);
    std::string self = ModuleOf(f.path);
    // Platform and app code is infrastructure: it names only platform's
    // tables (events, schema_migrations), which belong to no module.
    for (const auto& [table, owner] : owners) {
      if (owner == "platform" || !NamesWord(f.text, table)) continue;
      if (owner != self) {
        errors.push_back(f.path + " names " + owner + "'s table " + table);
      } else if (!MayHoldSql(f.path)) {
        errors.push_back(f.path + " names table " + table +
                         " outside the module's *_store.cc");
      }
    }
  }
  return errors;
}

}  // namespace rentwave::boundaries
