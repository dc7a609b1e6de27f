// The direct printer against protobuf's MessageToJsonString: same bytes for
// every message it accepts, over random messages of every API type and of
// the transcoder's test types, every code point and the Timestamp range.
#include "app/rest/json_printer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rentwave/v1/listings.pb.h"
#include "rentwave/v1/users.pb.h"
#include "rentwave/v1/wallet.pb.h"
#include "testdata/transcode_test.pb.h"

namespace rentwave::rest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using ::rentwave::resttest::transcode::Node;
using ::rentwave::resttest::transcode::SearchRequest;
using ::rentwave::resttest::transcode::SearchResponse;

std::string ProtobufJson(const Message& message, bool* ok) {
  std::string json;
  *ok = google::protobuf::util::MessageToJsonString(message, &json).ok();
  return json;
}

// Expects AppendJson to print what protobuf prints; returns whether it
// took the message.
bool ExpectSameJson(const Message& message) {
  std::string got;
  if (!AppendJson(message, &got)) return false;
  bool ok;
  std::string want = ProtobufJson(message, &ok);
  EXPECT_TRUE(ok) << "protobuf fails on what the printer took: "
                  << message.ShortDebugString();
  EXPECT_EQ(got, want) << message.ShortDebugString();
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Fills messages with random values, favouring edge cases.
class RandomFiller {
 public:
  explicit RandomFiller(uint32_t seed) : rng_(seed) {}

  void Fill(Message* message, int depth) {
    const Descriptor* type = message->GetDescriptor();
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
      FillSecondsAndNanos(message, /*duration=*/false);
      return;
    }
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_DURATION) {
      FillSecondsAndNanos(message, /*duration=*/true);
      return;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      // Maps and well-known types other than Timestamp and Duration send the
      // printer to its fallback; keep them rare so most messages take the
      // direct path.
      const bool rare =
          field->is_map() || (field->message_type() != nullptr &&
                              field->message_type()->well_known_type() !=
                                  Descriptor::WELLKNOWNTYPE_UNSPECIFIED &&
                              field->message_type()->well_known_type() !=
                                  Descriptor::WELLKNOWNTYPE_TIMESTAMP &&
                              field->message_type()->well_known_type() !=
                                  Descriptor::WELLKNOWNTYPE_DURATION);
      if (!Chance(rare ? 0.03 : 0.6)) continue;
      if (field->message_type() != nullptr && depth >= 4) continue;
      const int count = field->is_repeated() ? Int(0, 3) : 1;
      for (int n = 0; n < count; ++n) SetOne(message, field, depth);
    }
  }

  std::string RandomString() {
    static const uint32_t kInteresting[] = {
        '"',     '\\',    '<',     '>',     '/',     '\b',    '\f',    '\n',
        '\r',    '\t',    0,       0x1f,    0x7f,    0x80,    0x9f,    0xa0,
        0xad,    0x600,   0x603,   0x6dd,   0x70f,   0x17b4,  0x17b5,  0x200b,
        0x200f,  0x2028,  0x202e,  0x2060,  0x2064,  0x206a,  0x206f,  0xfeff,
        0xfff9,  0xfffb,  0xe9,    0x4e2d,  0xffff,  0x10000, 0x1d173, 0x1d17a,
        0x1f600, 0xe0001, 0xe0020, 0xe007f, 0x10ffff};
    std::string s;
    const int length = Int(0, 12);
    for (int i = 0; i < length; ++i) {
      uint32_t cp;
      switch (Int(0, 3)) {
        case 0:
          cp = kInteresting[Int(0, std::size(kInteresting) - 1)];
          break;
        case 1:
          cp = static_cast<uint32_t>(Int(0, 0x10ffff));
          if (cp >= 0xd800 && cp <= 0xdfff) cp = 'x';
          break;
        default:
          cp = static_cast<uint32_t>(Int(0x20, 0x7e));
      }
      AppendUtf8(cp, &s);
    }
    return s;
  }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  template <typename T>
  T Integer() {
    switch (Int(0, 4)) {
      case 0:
        return std::numeric_limits<T>::min();
      case 1:
        return std::numeric_limits<T>::max();
      case 2:
        return static_cast<T>(Int(-3, 3));
      default:
        return static_cast<T>(rng_());
    }
  }
  template <typename T>
  T Floating() {
    switch (Int(0, 9)) {
      case 0:
        return std::numeric_limits<T>::quiet_NaN();
      case 1:
        return Chance(0.5) ? std::numeric_limits<T>::infinity()
                           : -std::numeric_limits<T>::infinity();
      case 2:
        return Chance(0.5) ? T(-0.0) : std::numeric_limits<T>::denorm_min();
      case 3:
        return std::numeric_limits<T>::max();
      case 4:
        return T(0.1);
      case 5:
        return static_cast<T>(Int(-1000000, 1000000)) / T(1000);
      default:
        return static_cast<T>(
                   std::uniform_real_distribution<double>(-1e6, 1e6)(rng_)) *
               static_cast<T>(
                   std::pow(10.0, static_cast<double>(Int(-30, 30))));
    }
  }

  void FillSecondsAndNanos(Message* message, bool duration) {
    const Descriptor* type = message->GetDescriptor();
    const int64_t max = duration ? 315576000000 : 253402300799;
    const int64_t min = duration ? -315576000000 : -62135596800;
    int64_t seconds;
    switch (Int(0, 6)) {
      case 0:
        seconds = Chance(0.5) ? min : max;
        break;
      case 1:
        seconds = Chance(0.5) ? min - 1 : max + 1;  // out of range
        break;
      case 2:
        seconds = Int(-86400 * 3, 86400 * 3);
        break;
      default:
        seconds = Int(min, max);
    }
    int32_t nanos;
    switch (Int(0, 5)) {
      case 0:
        nanos = 0;
        break;
      case 1:
        nanos = static_cast<int32_t>(Int(0, 999)) * 1000000;
        break;
      case 2:
        nanos = static_cast<int32_t>(Int(0, 999999)) * 1000;
        break;
      case 3:
        nanos = Chance(0.5) ? -1 : 1000000000;  // out of range
        break;
      default:
        nanos = static_cast<int32_t>(Int(0, 999999999));
    }
    if (duration && seconds < 0) nanos = -nanos;
    if (duration && seconds == 0 && Chance(0.5)) nanos = -nanos;
    if (duration && Chance(0.05)) nanos = -nanos;  // mixed signs
    message->GetReflection()->SetInt64(message, type->field(0), seconds);
    message->GetReflection()->SetInt32(message, type->field(1), nanos);
  }

  void SetOne(Message* message, const FieldDescriptor* field, int depth) {
    const auto* r = message->GetReflection();
    const bool rep = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        rep ? r->AddInt32(message, field, Integer<int32_t>())
            : r->SetInt32(message, field, Integer<int32_t>());
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        rep ? r->AddInt64(message, field, Integer<int64_t>())
            : r->SetInt64(message, field, Integer<int64_t>());
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->AddUInt32(message, field, Integer<uint32_t>())
            : r->SetUInt32(message, field, Integer<uint32_t>());
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        rep ? r->AddUInt64(message, field, Integer<uint64_t>())
            : r->SetUInt64(message, field, Integer<uint64_t>());
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r->AddDouble(message, field, Floating<double>())
            : r->SetDouble(message, field, Floating<double>());
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r->AddFloat(message, field, Floating<float>())
            : r->SetFloat(message, field, Floating<float>());
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        rep ? r->AddBool(message, field, Chance(0.5))
            : r->SetBool(message, field, Chance(0.5));
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* type = field->enum_type();
        // Mostly declared values, sometimes an unknown number.
        const int number =
            Chance(0.8) ? type->value(Int(0, type->value_count() - 1))->number()
                        : static_cast<int>(Int(-5, 1000));
        rep ? r->AddEnumValue(message, field, number)
            : r->SetEnumValue(message, field, number);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string value;
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          const int length = Int(0, 10);
          for (int i = 0; i < length; ++i) {
            value.push_back(static_cast<char>(Int(0, 255)));
          }
        } else {
          value = RandomString();
        }
        rep ? r->AddString(message, field, value)
            : r->SetString(message, field, value);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Fill(rep ? r->AddMessage(message, field)
                 : r->MutableMessage(message, field),
             depth + 1);
        break;
    }
  }

  std::mt19937 rng_;
};

// Every message type of the API and of the transcoder's tests.
std::vector<const Descriptor*> TypesToTest() {
  std::vector<const Descriptor*> types;
  auto add_file = [&](const google::protobuf::FileDescriptor* file) {
    std::vector<const Descriptor*> pending;
    for (int i = 0; i < file->message_type_count(); ++i) {
      pending.push_back(file->message_type(i));
    }
    while (!pending.empty()) {
      const Descriptor* type = pending.back();
      pending.pop_back();
      if (type->options().map_entry()) continue;
      types.push_back(type);
      for (int i = 0; i < type->nested_type_count(); ++i) {
        pending.push_back(type->nested_type(i));
      }
    }
  };
  add_file(rentwave::v1::User::descriptor()->file());
  add_file(rentwave::v1::Listing::descriptor()->file());
  add_file(rentwave::v1::WalletSummary::descriptor()->file());
  add_file(rentwave::v1::Money::descriptor()->file());
  add_file(SearchRequest::descriptor()->file());
  return types;
}

TEST(JsonPrinterTest, RandomMessagesPrintAsProtobufPrintsThem) {
  RandomFiller filler(20240611);
  int taken = 0, total = 0;
  for (const Descriptor* type : TypesToTest()) {
    std::unique_ptr<Message> message(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(type)
            ->New());
    int taken_of_type = 0;
    for (int i = 0; i < 300; ++i) {
      message->Clear();
      filler.Fill(message.get(), 0);
      ++total;
      if (ExpectSameJson(*message)) {
        ++taken;
        ++taken_of_type;
      }
    }
    // Each type mostly takes the direct path (the rest: rare fallbacks
    // such as an out-of-range Timestamp or a map).
    EXPECT_GT(taken_of_type, 100) << type->full_name();
  }
  EXPECT_GT(taken, total / 2);
}

TEST(JsonPrinterTest, EveryCodePointIsEscapedAsProtobufDoes) {
  SearchResponse message;
  for (uint32_t start = 0; start <= 0x10ffff; start += 2048) {
    std::string text;
    for (uint32_t cp = start; cp < start + 2048 && cp <= 0x10ffff; ++cp) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      AppendUtf8(cp, &text);
      text.push_back('.');
    }
    message.set_next_page_token(text);
    ASSERT_TRUE(ExpectSameJson(message)) << "from U+" << std::hex << start;
  }
}

TEST(JsonPrinterTest, TimestampsAcrossTheRange) {
  google::protobuf::Timestamp t;
  std::mt19937_64 rng(7);
  std::vector<int64_t> seconds = {-62135596800, 253402300799, -1, 0, 1,
                                  951782400,    // 2000-02-29
                                  -2203891200,  // 1900-03-01
                                  -62067542400, 4107542399};
  for (int i = 0; i < 20000; ++i) {
    seconds.push_back(std::uniform_int_distribution<int64_t>(
        -62135596800, 253402300799)(rng));
  }
  for (int64_t s : seconds) {
    t.set_seconds(s);
    t.set_nanos(static_cast<int32_t>(rng() % 1000000000));
    ASSERT_TRUE(ExpectSameJson(t)) << s;
    t.set_nanos(0);
    ASSERT_TRUE(ExpectSameJson(t)) << s;
  }
}

TEST(JsonPrinterTest, DurationForms) {
  google::protobuf::Duration d;
  for (auto [s, n] :
       std::vector<std::pair<int64_t, int32_t>>{{0, 0},
                                                {3600, 0},
                                                {1, 500000000},
                                                {-1, -500000000},
                                                {0, -1},
                                                {0, 1},
                                                {0, 1000},
                                                {315576000000, 999999999},
                                                {-315576000000, -999999999}}) {
    d.set_seconds(s);
    d.set_nanos(n);
    EXPECT_TRUE(ExpectSameJson(d)) << s << " " << n;
  }
}

TEST(JsonPrinterTest, LeavesToProtobufWhatItDoesNotPrint) {
  std::string out;
  SearchResponse with_map;
  (*with_map.mutable_labels())["a"] = "b";
  EXPECT_FALSE(AppendJson(with_map, &out));

  SearchRequest with_wrapper;
  with_wrapper.mutable_max_results()->set_value(3);
  EXPECT_FALSE(AppendJson(with_wrapper, &out));

  SearchResponse late;
  late.mutable_updated_at()->set_seconds(253402300800);  // year 10000
  EXPECT_FALSE(AppendJson(late, &out));

  SearchResponse bad_utf8;
  bad_utf8.set_next_page_token("\xc3(");
  EXPECT_FALSE(AppendJson(bad_utf8, &out));

  google::protobuf::Duration mixed;
  mixed.set_seconds(1);
  mixed.set_nanos(-1);
  EXPECT_FALSE(AppendJson(mixed, &out));
}

TEST(JsonPrinterTest, NestingDepth) {
  Node shallow;
  Node* node = &shallow;
  for (int i = 0; i < 10; ++i) {
    node->set_name("n");
    node = node->mutable_child();
  }
  EXPECT_TRUE(ExpectSameJson(shallow));

  Node deep;
  node = &deep;
  for (int i = 0; i < 40; ++i) node = node->mutable_child();
  std::string out;
  EXPECT_FALSE(AppendJson(deep, &out));
}

TEST(JsonPrinterTest, EmptyAndPresentDefaults) {
  SearchResponse response;
  EXPECT_TRUE(ExpectSameJson(response));  // {}
  response.mutable_price();               // present, empty: "price":{}
  response.set_note("");                  // optional: present though empty
  EXPECT_TRUE(ExpectSameJson(response));
  std::string out;
  ASSERT_TRUE(AppendJson(response, &out));
  EXPECT_EQ(out, R"({"price":{},"note":""})");
}

}  // namespace
}  // namespace rentwave::rest
