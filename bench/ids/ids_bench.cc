// ids/ microbenchmarks: scan throughput (Gbit/s of payload) of the matcher
// (Hyperscan prefilter + exact verifier + verdict) beside (a) raw hs_scan of
// the same database with a no-op callback, the limit, and (b) the pre-
// Hyperscan baseline, each rule's PCRE2 pattern (JIT) tried in turn; at
// 100/1000/10000 generated content rules and 64/512/1500-byte payloads.
// Also compile time and database size at 1K/10K rules, and cache load time.
// TCP (ids/README.md "TCP"): one long in-order stream cut into segments of
// 64/512/1500 bytes, scanned (c) as the stage does — stream normaliser,
// carry + segment window, matcher — beside (d) raw hs_scan of the same
// windows and (e) Hyperscan's streaming mode over the same segments (the
// same patterns compiled HS_MODE_STREAM, one stream state per connection,
// no verification: a lower bound for a streaming design).
//
//   ids_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#define PCRE2_CODE_UNIT_WIDTH 8
#include <benchmark/benchmark.h>
#include <hs/hs.h>
#include <pcre2.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "ids/matcher.h"
#include "ids/rule_parser.h"
#include "ids/ruleset_loader.h"
#include "ids/stream.h"

namespace vfpath::ids {
namespace {

// Realistic literals: HTTP URIs, user agents, byte strings of 4..32 bytes.
std::vector<std::string> literals(size_t n) {
  std::mt19937 rng(42);
  static const char* dirs[] = {"wp-admin", "cgi-bin", "api/v1", "admin", "scripts", "phpmyadmin", "shell", "upload"};
  static const char* exts[] = {".php", ".cgi", ".asp", ".jsp", ".exe", ".sh"};
  static const char* bots[] = {"Nikto", "sqlmap", "masscan", "ZmEu", "Morfeus", "curl", "python-requests", "Xbot"};
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string s;
    switch (i % 3) {
      case 0:
        s = std::string("/") + dirs[rng() % 8] + "/" + std::to_string(rng() % 100000) + exts[rng() % 6];
        break;
      case 1:
        s = std::string("User-Agent: ") + bots[rng() % 8] + "/" + std::to_string(rng() % 10) + "." +
            std::to_string(rng() % 100);
        break;
      default: {
        const size_t len = 4 + rng() % 29;
        for (size_t k = 0; k < len; ++k) s += static_cast<char>(rng() % 256);
      }
    }
    out.push_back(s);
  }
  return out;
}

std::string hexed(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "|";
  for (unsigned char c : s) { out += kHex[c >> 4]; out += kHex[c & 15]; out += ' '; }
  out.back() = '|';
  return out;
}

std::string ruleset_text(size_t n) {
  std::string text;
  uint32_t sid = 1;
  for (const std::string& lit : literals(n))
    text += "alert tcp any any -> any any (msg:\"gen\"; content:\"" + hexed(lit) + "\"; sid:" +
            std::to_string(sid++) + ";)\n";
  return text;
}

// HTTP-like traffic; one payload in 16 carries a rule's literal.
std::vector<std::string> payloads(size_t size, const std::vector<std::string>& lits) {
  std::mt19937 rng(7);
  const std::string filler =
      "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
      "Gecko/20100101 Firefox/115.0\r\nAccept: text/html,application/xhtml+xml\r\nAccept-Language: en-US\r\n"
      "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r\nConnection: keep-alive\r\n\r\n";
  std::vector<std::string> out;
  for (int i = 0; i < 256; ++i) {
    std::string p;
    const size_t start = rng() % filler.size();
    while (p.size() < size) p += filler.substr(p.empty() ? start : 0);
    p.resize(size);
    if (i % 16 == 0) {
      const std::string& lit = lits[rng() % lits.size()];
      if (lit.size() <= size) p.replace(rng() % (size - lit.size() + 1), lit.size(), lit);
    }
    out.push_back(p);
  }
  return out;
}

struct Setup {
  std::unique_ptr<Database> db;
  std::vector<std::string> lits;
};

Setup& setup(size_t n) {
  static std::map<size_t, Setup> cache;
  Setup& s = cache[n];
  if (!s.db) {
    s.lits = literals(n);
    ParseResult p = parse_rules(ruleset_text(n));
    std::vector<RuleError> errors;
    s.db = Database::compile(std::move(p.rules), errors);
    if (!s.db) std::abort();
  }
  return s;
}

void report(benchmark::State& st, size_t size) {
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * size));
  st.counters["Gbps"] = benchmark::Counter(static_cast<double>(st.iterations()) * size * 8 / 1e9,
                                           benchmark::Counter::kIsRate);
}

void BM_Matcher(benchmark::State& st) {
  Setup& s = setup(st.range(0));
  const size_t size = st.range(1);
  auto pl = payloads(size, s.lits);
  std::string err;
  auto scratch = Scratch::create(*s.db, 65535, err);
  static const uint8_t a[4] = {10, 0, 0, 1};
  size_t i = 0, alerts = 0;
  for (auto _ : st) {
    const std::string& p = pl[i++ & 255];
    PacketView v{.ip_proto = kIpProtoTcp, .to_server = true, .established = true, .sport = 1, .dport = 80,
                 .src = a, .dst = a, .payload = reinterpret_cast<const uint8_t*>(p.data()),
                 .payload_len = static_cast<uint32_t>(p.size())};
    ScanResult r;
    scan(*s.db, *scratch, v, Mode::Prevent, r);
    alerts += r.matched;
    benchmark::DoNotOptimize(r);
  }
  st.counters["alerts_per_pkt"] = static_cast<double>(alerts) / st.iterations();
  report(st, size);
}

int noop(unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 0; }

void BM_RawHyperscan(benchmark::State& st) {
  Setup& s = setup(st.range(0));
  const size_t size = st.range(1);
  auto pl = payloads(size, s.lits);
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(s.db->hs(), &scratch);
  size_t i = 0;
  for (auto _ : st) {
    const std::string& p = pl[i++ & 255];
    hs_scan(s.db->hs(), p.data(), static_cast<unsigned>(p.size()), 0, scratch, noop, nullptr);
  }
  hs_free_scratch(scratch);
  report(st, size);
}

std::string pcre_escape(const std::string& lit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : lit) { out += "\\x"; out += kHex[c >> 4]; out += kHex[c & 15]; }
  return out;
}

void BM_Pcre2PerRule(benchmark::State& st) {
  Setup& s = setup(st.range(0));
  const size_t size = st.range(1);
  auto pl = payloads(size, s.lits);
  std::vector<pcre2_code*> codes;
  for (const std::string& lit : s.lits) {
    const std::string pat = pcre_escape(lit);
    int ec;
    PCRE2_SIZE off;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pat.data()), pat.size(), 0, &ec, &off, nullptr);
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    codes.push_back(c);
  }
  pcre2_match_data* md = pcre2_match_data_create(4, nullptr);
  size_t i = 0, alerts = 0;
  for (auto _ : st) {
    const std::string& p = pl[i++ & 255];
    for (pcre2_code* c : codes)
      alerts += pcre2_match(c, reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(), 0, 0, md, nullptr) >= 0;
  }
  st.counters["alerts_per_pkt"] = static_cast<double>(alerts) / st.iterations();
  pcre2_match_data_free(md);
  for (pcre2_code* c : codes) pcre2_code_free(c);
  report(st, size);
}

// Segments of one stream; a new connection (state reset) every 256 segments,
// so the depth never stops the scan.
constexpr int kSegmentsPerConnection = 256;

// The window's carry: the third argument, or -1 for the rule set's own.
uint32_t carry_of(const benchmark::State& st, const Database& db) {
  return st.range(2) < 0 ? db.stream_carry() : static_cast<uint32_t>(st.range(2));
}

void BM_StreamWindow(benchmark::State& st) {
  Setup& s = setup(st.range(0));
  const size_t size = st.range(1);
  auto pl = payloads(size, s.lits);
  std::string err;
  auto scratch = Scratch::create(*s.db, kStreamWindowBytes, err);
  const uint32_t carry = carry_of(st, *s.db);
  std::vector<uint8_t> window(kStreamWindowBytes);
  static const uint8_t a[4] = {10, 0, 0, 1};
  StreamDir dir;
  uint32_t seq = 1;
  size_t i = 0, alerts = 0;
  for (auto _ : st) {
    if (i % kSegmentsPerConnection == 0) {
      dir = StreamDir{};
      seq = 1;
      accept_segment(dir, 0, 0x02, nullptr, 0, Mode::Prevent, window.data());
    }
    const std::string& p = pl[i++ & 255];
    const SegmentPlan plan = accept_segment(dir, seq, 0x10, reinterpret_cast<const uint8_t*>(p.data()),
                                            static_cast<uint32_t>(p.size()), Mode::Prevent, window.data(),
                                            carry);
    seq += static_cast<uint32_t>(p.size());
    PacketView v{.ip_proto = kIpProtoTcp, .to_server = true, .established = true, .sport = 1, .dport = 80,
                 .src = a, .dst = a, .payload = window.data(), .payload_len = plan.window_len, .in_stream = true,
                 .segment_len = static_cast<uint32_t>(p.size()), .stream_start = plan.window_starts_stream};
    ScanResult r;
    scan(*s.db, *scratch, v, Mode::Prevent, r);
    alerts += r.matched;
    benchmark::DoNotOptimize(r);
  }
  st.counters["alerts_per_seg"] = static_cast<double>(alerts) / st.iterations();
  st.counters["state_bytes"] = sizeof(StreamDir);
  st.counters["carry"] = carry;
  report(st, size);
}

void BM_RawHyperscanWindow(benchmark::State& st) {
  Setup& s = setup(st.range(0));
  const size_t size = st.range(1);
  auto pl = payloads(size, s.lits);
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(s.db->hs(), &scratch);
  std::vector<char> window(kStreamWindowBytes);
  const size_t limit = carry_of(st, *s.db);
  st.counters["carry"] = static_cast<double>(limit);
  size_t i = 0;
  for (auto _ : st) {
    const std::string& p = pl[i & 255];
    const std::string& prev = pl[(i - 1) & 255];
    ++i;
    const size_t carry = std::min<size_t>(limit, prev.size());
    std::memcpy(window.data(), prev.data() + prev.size() - carry, carry);
    std::memcpy(window.data() + carry, p.data(), p.size());
    hs_scan(s.db->hs(), window.data(), static_cast<unsigned>(carry + p.size()), 0, scratch, noop, nullptr);
  }
  hs_free_scratch(scratch);
  report(st, size);
}

// The same patterns (Database::patterns) as one streaming-mode database.
struct StreamingDb {
  hs_database_t* db = nullptr;
  ~StreamingDb() { hs_free_database(db); }
};

StreamingDb& streaming_db(size_t n) {
  static std::map<size_t, StreamingDb> cache;
  StreamingDb& sd = cache[n];
  if (sd.db) return sd;
  const auto& pats = setup(n).db->patterns();
  std::vector<const char*> exprs;
  std::vector<unsigned> flags, ids;
  std::vector<hs_expr_ext_t> exts(pats.size());
  std::vector<const hs_expr_ext_t*> ext_ptrs;
  for (size_t k = 0; k < pats.size(); ++k) {
    exprs.push_back(pats[k].expr.c_str());
    flags.push_back(pats[k].flags);
    ids.push_back(static_cast<unsigned>(k));
    exts[k] = hs_expr_ext_t{};
    if (pats[k].min_offset) exts[k].flags |= HS_EXT_FLAG_MIN_OFFSET, exts[k].min_offset = pats[k].min_offset;
    if (pats[k].max_offset) exts[k].flags |= HS_EXT_FLAG_MAX_OFFSET, exts[k].max_offset = pats[k].max_offset;
    ext_ptrs.push_back(&exts[k]);
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_ext_multi(exprs.data(), flags.data(), ids.data(), ext_ptrs.data(), static_cast<unsigned>(exprs.size()),
                           HS_MODE_STREAM, nullptr, &sd.db, &error) != HS_SUCCESS)
    std::abort();
  return sd;
}

void BM_HyperscanStreaming(benchmark::State& st) {
  StreamingDb& sd = streaming_db(st.range(0));
  const size_t size = st.range(1);
  auto pl = payloads(size, setup(st.range(0)).lits);
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(sd.db, &scratch);
  hs_stream_t* stream = nullptr;
  size_t i = 0;
  for (auto _ : st) {
    if (i % kSegmentsPerConnection == 0) {
      if (stream) hs_close_stream(stream, scratch, noop, nullptr);
      hs_open_stream(sd.db, 0, &stream);
    }
    const std::string& p = pl[i++ & 255];
    hs_scan_stream(stream, p.data(), static_cast<unsigned>(p.size()), 0, scratch, noop, nullptr);
  }
  hs_close_stream(stream, scratch, noop, nullptr);
  size_t state = 0;
  hs_stream_size(sd.db, &state);
  st.counters["state_bytes"] = static_cast<double>(state);
  hs_free_scratch(scratch);
  report(st, size);
}

void scan_args(benchmark::internal::Benchmark* b) {
  for (int64_t n : {100, 1000, 10000})
    for (int64_t size : {64, 512, 1500}) b->Args({n, size});
}
BENCHMARK(BM_Matcher)->Apply(scan_args);
BENCHMARK(BM_RawHyperscan)->Apply(scan_args);
BENCHMARK(BM_Pcre2PerRule)->Apply(scan_args);
// Windows with the rule set's own carry (Database::stream_carry: 31 for
// these literal rules) and with the full 256 bytes (what a rule set with a
// pcre or an unbounded chain needs).
void window_args(benchmark::internal::Benchmark* b) {
  for (int64_t n : {100, 1000, 10000})
    for (int64_t size : {64, 512, 1500})
      for (int64_t carry : {int64_t{-1}, int64_t{kStreamCarry}}) b->Args({n, size, carry});
}
BENCHMARK(BM_StreamWindow)->Apply(window_args);
BENCHMARK(BM_RawHyperscanWindow)->Apply(window_args);
BENCHMARK(BM_HyperscanStreaming)->Apply(scan_args);

void BM_Compile(benchmark::State& st) {
  const std::string text = ruleset_text(st.range(0));
  size_t bytes = 0;
  for (auto _ : st) {
    LoadResult r = load_ruleset(text, {});
    bytes = r.db->hs_bytes();
  }
  st.counters["db_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Compile)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_LoadFromCache(benchmark::State& st) {
  const std::string text = ruleset_text(st.range(0));
  char dir[] = "/tmp/ids_bench_cache_XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  load_ruleset(text, {.cache_dir = dir});  // fill
  bool hit = true;
  for (auto _ : st) hit &= load_ruleset(text, {.cache_dir = dir}).from_cache;
  if (!hit) st.SkipWithError("cache miss");
  std::system((std::string("rm -rf ") + dir).c_str());
}
BENCHMARK(BM_LoadFromCache)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vfpath::ids

BENCHMARK_MAIN();
