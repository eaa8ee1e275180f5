#include "serving/msgpack_numpy.h"

#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

namespace wambench::serving {
namespace {

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Recipe §4's example: {"actions": float32 [[1.5, 2.0]]} byte for byte.
const std::string kActionsExample =
    "81" "a7" "616374696f6e73"                             // map(1), str "actions"
    "84" "c40b" "5f5f6e6461727261795f5f" "c3"              // map(4), bin "__ndarray__": true
    "c404" "64617461" "c408" "0000c03f00000040"            // bin "data": bin 8 bytes
    "c405" "6474797065" "a3" "3c6634"                      // bin "dtype": str "<f4"
    "c405" "7368617065" "92" "01" "02";                    // bin "shape": [1, 2]

TEST(MsgpackNumpy, EncodesTheRecipeExampleByteForByte) {
  Map m;
  m["actions"] = Value(NdArray::from_doubles({1.5, 2.0}, {1, 2}, "<f4"));
  EXPECT_EQ(encode(Value(m)), hex_to_bytes(kActionsExample));
}

TEST(MsgpackNumpy, DecodesTheRecipeExample) {
  const Value v = decode(hex_to_bytes(kActionsExample));
  const Map& m = std::get<Map>(v.v);
  const NdArray& a = std::get<NdArray>(m.at("actions").v);
  EXPECT_EQ(a.dtype, "<f4");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(a.to_doubles(), (std::vector<double>{1.5, 2.0}));
}

TEST(MsgpackNumpy, EmptyMetadataIsOneByte) { EXPECT_EQ(encode(Value(Map{})), std::string("\x80", 1)); }

TEST(MsgpackNumpy, RoundTripsEveryDtypeAndPlainValues) {
  Map m;
  const uint8_t bytes[6] = {0, 1, 2, 250, 255, 7};
  m["u1"] = Value(NdArray::from_bytes_u8(bytes, {2, 3}));
  m["f8"] = Value(NdArray::from_doubles({0.1, -2.5, 1e300}, {3}));
  NdArray i4{"<i4", {2}, std::string("\xff\xff\xff\xff\x05\x00\x00\x00", 8)};
  NdArray i8{"<i8", {1}, std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8)};
  NdArray b1{"|b1", {2}, std::string("\x01\x00", 2)};
  NdArray zero_d{"<f8", {}, std::string(8, '\0')};
  m["i4"] = Value(i4);
  m["i8"] = Value(i8);
  m["b1"] = Value(b1);
  m["zero_d"] = Value(zero_d);
  m["scalar"] = Value(NpScalar{"<f4", 1.5});
  m["prompt"] = Value("put the red mug in the bowl");
  m["raw"] = Value(Bin{std::string("\x00\x01", 2)});
  m["list"] = Value(Array{Value(1), Value(-3), Value(2.5), Value(true), Value()});
  const Value back = decode(encode(Value(m)));
  const Map& r = std::get<Map>(back.v);
  EXPECT_EQ(std::get<NdArray>(r.at("u1").v).to_doubles(), (std::vector<double>{0, 1, 2, 250, 255, 7}));
  EXPECT_EQ(std::get<NdArray>(r.at("f8").v).to_doubles(), (std::vector<double>{0.1, -2.5, 1e300}));
  EXPECT_EQ(std::get<NdArray>(r.at("i4").v).to_doubles(), (std::vector<double>{-1, 5}));
  EXPECT_EQ(std::get<NdArray>(r.at("i8").v).to_doubles(), (std::vector<double>{-2}));
  EXPECT_EQ(std::get<NdArray>(r.at("b1").v).to_doubles(), (std::vector<double>{1, 0}));
  EXPECT_TRUE(std::get<NdArray>(r.at("zero_d").v).shape.empty());
  EXPECT_EQ(std::get<NpScalar>(r.at("scalar").v).value, 1.5);
  EXPECT_EQ(std::get<NpScalar>(r.at("scalar").v).dtype, "<f4");
  EXPECT_EQ(std::get<std::string>(r.at("prompt").v), "put the red mug in the bowl");
  EXPECT_EQ(std::get<Bin>(r.at("raw").v).bytes, std::string("\x00\x01", 2));
  const Array& list = std::get<Array>(r.at("list").v);
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(std::get<int64_t>(list[1].v), -3);
  EXPECT_TRUE(list[4].is_nil());
}

TEST(MsgpackNumpy, StrKeyedArrayMapStaysAnOrdinaryMap) {
  // {"a": {"__ndarray__": true, ...}} with str keys: openpi's decoder leaves it a dict.
  const std::string bytes = hex_to_bytes("81a161" "81ab5f5f6e6461727261795f5fc3");
  const Value v = decode(bytes);
  EXPECT_TRUE(std::get<Map>(v.v).at("a").is<Map>());
}

TEST(MsgpackNumpy, FloatsAreFloat64AndIntsSmallest) {
  EXPECT_EQ(encode(Value(1.0)), hex_to_bytes("cb3ff0000000000000"));
  EXPECT_EQ(encode(Value(5)), hex_to_bytes("05"));
  EXPECT_EQ(encode(Value(-1)), hex_to_bytes("ff"));
  EXPECT_EQ(encode(Value(300)), hex_to_bytes("cd012c"));
}

void expect_decode_error(const std::string& bytes, const std::string& fragment) {
  try {
    decode(bytes);
    FAIL() << "no DecodeError, expected one mentioning '" << fragment << "'";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(MsgpackNumpy, DecodeErrorsSayWhatWasWrong) {
  expect_decode_error(hex_to_bytes("81"), "not a msgpack message");
  expect_decode_error(hex_to_bytes("8001"), "trailing bytes");
  expect_decode_error(hex_to_bytes("810102"), "map key");
  // dtype "<c8" (complex64): refused, valid ones listed.
  expect_decode_error(hex_to_bytes("84c40b5f5f6e6461727261795f5fc3c40464617461c400c4056474797065a33c6338c4057368617065"
                                   "9100"),
                      "supported: |u1, |b1, <i4, <i8, <f4, <f8");
  // <f4 of shape (1, 2) with 4 data bytes only.
  expect_decode_error(hex_to_bytes("84c40b5f5f6e6461727261795f5fc3c40464617461c4040000c03fc4056474797065a33c6634c405"
                                   "73686170659201" "02"),
                      "needs 8 data bytes, got 4");
  // no "shape" entry.
  expect_decode_error(hex_to_bytes("83c40b5f5f6e6461727261795f5fc3c40464617461c400c4056474797065a33c6634"),
                      "needs the entries __ndarray__, data, dtype, shape");
}

TEST(MsgpackNumpy, EncodeRefusesInconsistentArrays) {
  NdArray bad{"<f4", {3}, std::string(8, '\0')};
  EXPECT_THROW(encode(Value(bad)), std::invalid_argument);
}

}  // namespace
}  // namespace wambench::serving
