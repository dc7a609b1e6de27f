#include "rpc_input.h"

#include <dirent.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rentwave/v1/users.pb.h"

namespace rentwave::fuzz {
namespace {

using google::protobuf::MethodDescriptor;

std::vector<const MethodDescriptor*> AllMethods() {
  // Links the generated code of the services the fixture itself uses.
  rentwave::v1::User::descriptor();
  std::vector<const MethodDescriptor*> methods;
  const std::string dir = RENTWAVE_PROTO_DIR "/rentwave/v1";
  DIR* d = opendir(dir.c_str());
  Check(d != nullptr, "cannot list the protos in", dir);
  while (dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name.size() < 6 || name.substr(name.size() - 6) != ".proto") continue;
    const google::protobuf::FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            "rentwave/v1/" + name);
    Check(file != nullptr, "proto not linked into app::Server", name);
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  closedir(d);
  std::sort(methods.begin(), methods.end(),
            [](const MethodDescriptor* a, const MethodDescriptor* b) {
              return a->full_name() < b->full_name();
            });
  Check(!methods.empty() && methods.size() <= 256, "bad number of methods");
  return methods;
}

}  // namespace

void Fail(absl::string_view what, absl::string_view detail) {
  constexpr size_t kMaxDetail = 600;
  std::fprintf(stderr, "rpc_fuzzer: %.*s: %s%s\n",
               static_cast<int>(what.size()), what.data(),
               absl::CHexEscape(detail.substr(0, kMaxDetail)).c_str(),
               detail.size() > kMaxDetail ? "..." : "");
  std::fflush(stderr);
  std::abort();
}

void Check(bool ok, absl::string_view what, absl::string_view detail) {
  if (!ok) Fail(what, detail);
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "?";
}

const std::vector<const MethodDescriptor*>& Methods() {
  static const auto* const methods =
      new std::vector<const MethodDescriptor*>(AllMethods());
  return *methods;
}

std::string PathOf(const MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

const google::protobuf::Message& Prototype(
    const google::protobuf::Descriptor* type) {
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  Check(prototype != nullptr, "no generated message for", type->full_name());
  return *prototype;
}

}  // namespace rentwave::fuzz
