// A main for the fuzz targets in an ordinary build (no libFuzzer): feeds
// every file named on the command line, or found under a directory named
// there, through LLVMFuzzerTestOneInput once, in sorted order. A crash or
// abort fails the run, so ctest replays the checked-in corpus as a
// regression test.
//
//   transcoder_fuzz_replay fuzz/corpus/transcoder [more files or dirs...]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// Appends the regular files at or under `arg`; false if it does not exist.
bool CollectFiles(const fs::path& arg, std::vector<fs::path>* files) {
  std::error_code error;
  if (fs::is_regular_file(arg, error)) {
    files->push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, error)) return false;
  for (const fs::directory_entry& entry :
       fs::recursive_directory_iterator(arg, error)) {
    if (entry.is_regular_file()) files->push_back(entry.path());
  }
  return !error;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (!CollectFiles(argv[i], &files)) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], file.c_str());
      return 2;
    }
    // Printed first, so that a crash names its input.
    std::fprintf(stderr, "replay %s (%zu bytes)\n", file.c_str(), data.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()),
                           data.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return files.empty() ? 1 : 0;
}
