// The on-disk cache of compiled databases: a second load of the same rule
// set comes from the cache and matches the same; a changed rule set, or an
// entry written under another key, recompiles. Also SHA-256 vectors (the
// cache key depends on it).
#include "ids/ruleset_loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

#include "ids/matcher.h"
#include "ids/sha256.h"

namespace vfpath::ids {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the padding spills into a second block.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

uint32_t matched(const Database& db, std::string_view payload) {
  std::string err;
  auto s = Scratch::create(db, 1500, err);
  static const uint8_t a[4] = {1, 2, 3, 4};
  PacketView p{.ip_proto = kIpProtoTcp, .src = a, .dst = a,
               .payload = reinterpret_cast<const uint8_t*>(payload.data()),
               .payload_len = static_cast<uint32_t>(payload.size())};
  ScanResult r;
  EXPECT_EQ(scan(db, *s, p, Mode::Detect, r), ScanStatus::Ok);
  return r.matched;
}

class Cache : public ::testing::Test {
 protected:
  void SetUp() override {
    char d[] = "/tmp/ids_cache_XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

constexpr const char* kRules =
    "alert tcp any any -> any any (content:\"evil\"; sid:1;)\n"
    "alert tcp any any -> any any (pcre:\"/ba+d/\"; sid:2;)\n";

TEST_F(Cache, SecondLoadComesFromTheCacheAndMatchesTheSame) {
  LoadResult first = load_ruleset(kRules, {.cache_dir = dir_});
  ASSERT_TRUE(first.db);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(first.cache_note.empty()) << first.cache_note;
  LoadResult second = load_ruleset(kRules, {.cache_dir = dir_});
  ASSERT_TRUE(second.db);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(matched(*second.db, "an evil baad payload"), 2u);
  EXPECT_EQ(matched(*second.db, "harmless"), 0u);
}

TEST_F(Cache, ChangedRulesRecompile) {
  ASSERT_TRUE(load_ruleset(kRules, {.cache_dir = dir_}).db);
  LoadResult other = load_ruleset(std::string(kRules) + "alert tcp any any -> any any (content:\"x\"; sid:3;)\n",
                                  {.cache_dir = dir_});
  ASSERT_TRUE(other.db);
  EXPECT_FALSE(other.from_cache);
  EXPECT_EQ(matched(*other.db, "x"), 1u);
}

TEST_F(Cache, EntryUnderAnotherKeyIsIgnoredAndRewritten) {
  LoadResult first = load_ruleset(kRules, {.cache_dir = dir_});
  ASSERT_TRUE(first.db);
  const std::string path = cache_path(dir_, cache_key(kRules, first.db->rules()));
  // Rewrite the header as if built by another Hyperscan version.
  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    ASSERT_TRUE(f);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  const size_t at = bytes.find(" hs=");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 4] = bytes[at + 4] == '9' ? '8' : '9';
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  LoadResult second = load_ruleset(kRules, {.cache_dir = dir_});
  ASSERT_TRUE(second.db);
  EXPECT_FALSE(second.from_cache);
  EXPECT_NE(second.cache_note.find("another key"), std::string::npos) << second.cache_note;
  EXPECT_TRUE(load_ruleset(kRules, {.cache_dir = dir_}).from_cache);  // rewritten
}

TEST_F(Cache, CorruptEntryIsRefusedAndRecompiled) {
  LoadResult first = load_ruleset(kRules, {.cache_dir = dir_});
  ASSERT_TRUE(first.db);
  const std::string key = cache_key(kRules, first.db->rules());
  std::ofstream(cache_path(dir_, key), std::ios::binary | std::ios::trunc)
      << "vfpath-ids-hsdb 1\n" << key << "\n" << "garbage";
  LoadResult second = load_ruleset(kRules, {.cache_dir = dir_});
  ASSERT_TRUE(second.db);
  EXPECT_FALSE(second.from_cache);
  EXPECT_NE(second.cache_note.find("refused"), std::string::npos) << second.cache_note;
}

TEST_F(Cache, ParseErrorsComeBackWithoutADatabase) {
  LoadResult r = load_ruleset("alert tcp any any -> any any (pcre:\"/(a)\\1/\"; sid:9;)\n", {.cache_dir = dir_});
  EXPECT_FALSE(r.db);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].sid, 9u);
}

}  // namespace
}  // namespace vfpath::ids
