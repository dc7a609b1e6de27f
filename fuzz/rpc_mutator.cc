#include "rpc_mutator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "google/protobuf/descriptor.h"
#include "rpc_input.h"

namespace rentwave::fuzz {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 8;

// Wrapping arithmetic: the mutator must not have undefined behaviour of
// its own.
int64_t Add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) +
                              static_cast<uint64_t>(b));
}

int64_t NewInt(std::minstd_rand& rng, int64_t current, int64_t now) {
  static constexpr int64_t kEdges[] = {
      0,
      1,
      -1,
      2,
      3,
      7,
      20,
      99,
      100,
      101,
      1000,
      3600,
      86400,
      604800,
      2592000,
      259200,
      999'999'999,
      1'000'000'000,
      10'000'000,
      10'000'001,
      100'000'000,
      100'000'001,
      std::numeric_limits<int32_t>::max(),
      std::numeric_limits<int32_t>::min(),
      std::numeric_limits<int64_t>::max(),
      std::numeric_limits<int64_t>::min(),
      253402300799,  // 9999-12-31T23:59:59Z, the last valid Timestamp
      253402300800,  // one second later
      -62135596800,  // 0001-01-01T00:00:00Z, the first
      -62135596801,  // one second earlier
      315576000000,  // the longest valid Duration (10000 years)
      315576000001};
  switch (rng() % 7) {
    case 0:
    case 1:
      return kEdges[rng() % (sizeof(kEdges) / sizeof(kEdges[0]))];
    case 2:
      return Add(current, rng() % 2 == 0 ? 1 : -1);
    case 3:  // a time around now, seconds
      return Add(now, static_cast<int64_t>(rng() % 20'000'000) - 10'000'000);
    case 4:
      return static_cast<int64_t>(rng() % 1000);
    case 5:
      return -static_cast<int64_t>(rng() % 1000);
    default:
      return static_cast<int64_t>((static_cast<uint64_t>(rng()) << 33) ^
                                  (static_cast<uint64_t>(rng()) << 2) ^ rng());
  }
}

std::string NewString(std::minstd_rand& rng, const std::string& current,
                      const std::vector<std::string>& words) {
  switch (rng() % 8) {
    case 0:
    case 1:
    case 2:
      return words[rng() % words.size()];
    case 3:
      return current + words[rng() % words.size()];
    case 4:
      return "";
    case 5:  // long, and sometimes very long
      return std::string(rng() % 4 == 0 ? 5000 + rng() % 70000 : rng() % 300,
                         static_cast<char>('a' + rng() % 26));
    default: {
      if (current.empty()) return words[rng() % words.size()];
      // One ASCII character changed (a multi-byte UTF-8 sequence is left
      // whole: the request must stay valid UTF-8 to parse).
      std::string s = current;
      const size_t i = rng() % s.size();
      if (static_cast<unsigned char>(s[i]) < 0x80) {
        static constexpr char kChars[] = " -_:/.%*\"'\\0aZ$,()";
        s[i] = kChars[rng() % (sizeof(kChars) - 1)];
      } else {
        s += "\xc3\xa9";  // é
      }
      return s;
    }
  }
}

double NewDouble(std::minstd_rand& rng) {
  static const double kValues[] = {
      0.0,         -0.0,   1.0,
      -1.0,        0.5,    1e308,
      -1e308,      1e-308, std::numeric_limits<double>::infinity(),
      std::nan("")};
  return kValues[rng() % (sizeof(kValues) / sizeof(kValues[0]))];
}

int NewEnum(std::minstd_rand& rng, const FieldDescriptor* field) {
  const google::protobuf::EnumDescriptor* type = field->enum_type();
  if (rng() % 4 == 0) return static_cast<int>(NewInt(rng, 0, 0));
  return type->value(static_cast<int>(rng() % type->value_count()))->number();
}

void Mutate(Message* message, std::minstd_rand& rng,
            const std::vector<std::string>& words, int64_t now, int depth);

// Sets element `index` of repeated `field`, or adds one if index < 0.
void SetValue(Message* m, const FieldDescriptor* f, int index,
              std::minstd_rand& rng, const std::vector<std::string>& words,
              int64_t now, int depth) {
  const Reflection* r = m->GetReflection();
  const bool add = f->is_repeated() && index < 0;
  const bool set_repeated = f->is_repeated() && index >= 0;
#define RW_SET(Type, value)                     \
  do {                                          \
    if (add) {                                  \
      r->Add##Type(m, f, value);                \
    } else if (set_repeated) {                  \
      r->SetRepeated##Type(m, f, index, value); \
    } else {                                    \
      r->Set##Type(m, f, value);                \
    }                                           \
  } while (0)
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const int64_t cur =
          add ? 0
              : (set_repeated ? r->GetRepeatedInt32(*m, f, index)
                              : r->GetInt32(*m, f));
      RW_SET(Int32, static_cast<int32_t>(NewInt(rng, cur, now)));
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t cur =
          add ? 0
              : (set_repeated ? r->GetRepeatedInt64(*m, f, index)
                              : r->GetInt64(*m, f));
      RW_SET(Int64, NewInt(rng, cur, now));
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32:
      RW_SET(UInt32, static_cast<uint32_t>(NewInt(rng, 0, now)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      RW_SET(UInt64, static_cast<uint64_t>(NewInt(rng, 0, now)));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      RW_SET(Double, NewDouble(rng));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      RW_SET(Float, static_cast<float>(NewDouble(rng)));
      break;
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool cur = add ? false
                           : (set_repeated ? r->GetRepeatedBool(*m, f, index)
                                           : r->GetBool(*m, f));
      RW_SET(Bool, !cur);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM:
      RW_SET(EnumValue, NewEnum(rng, f));
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string cur =
          add ? ""
              : (set_repeated ? r->GetRepeatedString(*m, f, index)
                              : r->GetString(*m, f));
      RW_SET(String, NewString(rng, cur, words));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* child =
          add ? r->AddMessage(m, f)
              : (set_repeated ? r->MutableRepeatedMessage(m, f, index)
                              : r->MutableMessage(m, f));
      if (depth < kMaxDepth) Mutate(child, rng, words, now, depth + 1);
      break;
    }
  }
#undef RW_SET
}

void Mutate(Message* message, std::minstd_rand& rng,
            const std::vector<std::string>& words, int64_t now, int depth) {
  const Descriptor* type = message->GetDescriptor();
  if (type->field_count() == 0) return;
  const FieldDescriptor* f = type->field(rng() % type->field_count());
  const Reflection* r = message->GetReflection();
  if (f->is_repeated()) {
    const int n = r->FieldSize(*message, f);
    switch (rng() % 6) {
      case 0:
        if (n > 0) return r->RemoveLast(message, f);
        break;
      case 1:
        if (n > 1) return r->SwapElements(message, f, 0, n - 1);
        break;
      case 2:
        if (n > 0) {
          return SetValue(message, f, static_cast<int>(rng() % n), rng, words,
                          now, depth);
        }
        break;
      default:
        break;
    }
    return SetValue(message, f, -1, rng, words, now, depth);
  }
  if (rng() % 8 == 0) return r->ClearField(message, f);
  SetValue(message, f, 0, rng, words, now, depth);
}

// Values for string fields: the placeholders, every field name of the API
// (update_mask paths), and words the handlers look for.
const std::vector<std::string>& Words() {
  static const auto* const words = [] {
    auto* w = new std::vector<std::string>{"$OWNER",
                                           "$RENTER",
                                           "$ADMIN",
                                           "$BIKE",
                                           "$BOOK",
                                           "$ACTIVE",
                                           "$FUTURE",
                                           "$DEPOSIT",
                                           "$NOTE",
                                           "USD",
                                           "EUR",
                                           "usd",
                                           "XXX",
                                           "0-441-17271-7",
                                           "9780441172719",
                                           "978-0-441-17271-9",
                                           "044117271X",
                                           kUsernames[1],
                                           kUsernames[2],
                                           kUsernames[3],
                                           kPassword,
                                           "a@b.c",
                                           "NO",
                                           "Oslo",
                                           "dune",
                                           "\"dune\"",
                                           "du*",
                                           "a OR b",
                                           "NEAR(a b)",
                                           "-x",
                                           "'",
                                           "%",
                                           "_",
                                           "\\",
                                           "\xc3\xa9",
                                           "\xe2\x9c\x93",
                                           "\xe2\x80\xae",
                                           "\xf0\x9f\x9a\xb2",
                                           " ",
                                           "\t",
                                           "0",
                                           "-1",
                                           "AAAA",
                                           "rental.created",
                                           "wallet.deposited",
                                           "listing.created",
                                           "user.registered",
                                           "*",
                                           "owner_id",
                                           "user.email"};
    std::vector<const google::protobuf::Descriptor*> pending;
    for (const MethodDescriptor* method : Methods()) {
      pending.push_back(method->input_type());
      pending.push_back(method->output_type());
    }
    absl::flat_hash_set<const google::protobuf::Descriptor*> seen;
    while (!pending.empty()) {
      const google::protobuf::Descriptor* type = pending.back();
      pending.pop_back();
      if (!seen.insert(type).second) continue;
      for (int i = 0; i < type->field_count(); ++i) {
        w->push_back(type->field(i)->name());
        if (type->field(i)->message_type() != nullptr) {
          pending.push_back(type->field(i)->message_type());
        }
      }
    }
    std::sort(w->begin(), w->end());
    w->erase(std::unique(w->begin(), w->end()), w->end());
    return w;
  }();
  return *words;
}

}  // namespace

void MutateMessage(google::protobuf::Message* message, std::minstd_rand& rng,
                   const std::vector<std::string>& words, int64_t now_seconds) {
  Mutate(message, rng, words, now_seconds, 0);
}

size_t MutateInput(uint8_t* data, size_t size, size_t max_size,
                   unsigned int seed, ByteMutator byte_mutate) {
  std::minstd_rand rng(seed);
  if (size < 2 || max_size < 2 || rng() % 3 == 0) {
    return byte_mutate(data, size, max_size);
  }
  if (rng() % 16 == 0) {  // another caller or flag
    data[1] ^= static_cast<uint8_t>(1u << (rng() % 5));
    return size;
  }
  const std::vector<const MethodDescriptor*>& methods = Methods();
  const MethodDescriptor* method = methods[data[0] % methods.size()];
  std::unique_ptr<Message> request(Prototype(method->input_type()).New());
  request->ParseFromArray(data + 2, static_cast<int>(size - 2));
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < rounds; ++i) {
    MutateMessage(request.get(), rng, Words(), kStartSeconds);
  }
  const std::string wire = request->SerializeAsString();
  if (wire.size() > max_size - 2) {
    return byte_mutate(data, size, max_size);
  }
  std::memcpy(data + 2, wire.data(), wire.size());
  return 2 + wire.size();
}

}  // namespace rentwave::fuzz
