#include "modules/platform/money.h"

#include "absl/strings/str_cat.h"

namespace rentwave::platform {

absl::Status ValidateCurrency(absl::string_view code, absl::string_view field) {
  bool ok = code.size() == 3;
  for (char c : code) ok = ok && c >= 'A' && c <= 'Z';
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": an ISO 4217 code of three upper-case letters, e.g. \"USD\""));
}

namespace {

// Decimals of the currencies that do not have two (ISO 4217).
int Decimals(absl::string_view currency) {
  static constexpr absl::string_view kNone[] = {
      "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
      "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr absl::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD",
                                                 "LYD", "OMR", "TND"};
  for (absl::string_view c : kNone) {
    if (c == currency) return 0;
  }
  for (absl::string_view c : kThree) {
    if (c == currency) return 3;
  }
  return 2;
}

}  // namespace

std::string FormatMoney(int64_t amount_minor, absl::string_view currency) {
  const int decimals = Decimals(currency);
  // Unsigned, so that the most negative amount has a magnitude too.
  uint64_t magnitude = amount_minor < 0 ? -static_cast<uint64_t>(amount_minor)
                                        : static_cast<uint64_t>(amount_minor);
  std::string sign = amount_minor < 0 ? "-" : "";
  if (decimals == 0) return absl::StrCat(sign, magnitude, " ", currency);
  uint64_t scale = decimals == 3 ? 1000 : 100;
  std::string fraction = absl::StrCat(magnitude % scale);
  fraction.insert(0, decimals - fraction.size(), '0');
  return absl::StrCat(sign, magnitude / scale, ".", fraction, " ", currency);
}

}  // namespace rentwave::platform
