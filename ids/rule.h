// The typed form of one signature: what the parser produces and the compiler
// and verifier consume. Plain data, no Hyperscan, no vfpath floor below it.
//
// Semantics are Suricata's for the subset in ids/README.md; each field says
// how it is evaluated so that the verifier and the oracle test agree on one
// reading.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vfpath::ids {

enum class Action : uint8_t { Alert, Drop, Pass };
enum class Proto : uint8_t { Ip, Tcp, Udp, Icmp };  // Ip = any protocol
enum class Family : uint8_t { V4 = 4, V6 = 6 };

// One address prefix; `addr` holds the network bytes already masked to
// `prefix_len` (IPv4 in the first 4 bytes).
struct Cidr {
  Family family = Family::V4;
  uint8_t prefix_len = 0;
  std::array<uint8_t, 16> addr{};
};

// (include is empty, meaning any, OR the address is in one of include)
// AND the address is in none of exclude. `any` = both lists empty.
struct AddressMatch {
  std::vector<Cidr> include;
  std::vector<Cidr> exclude;
};

struct PortRange {
  uint16_t lo = 0, hi = 65535;  // inclusive
};
// Same reading as AddressMatch. Only tcp/udp rules may restrict ports.
struct PortMatch {
  std::vector<PortRange> include;
  std::vector<PortRange> exclude;
};

// content:"..." with its modifiers. Absolute (offset/depth) and relative
// (distance/within) modifiers never mix on one content (refused by the parser,
// as Suricata does).
//   absolute: start >= offset, start + len <= offset + depth (depth counts
//             from offset; no depth = up to the end of the payload).
//   relative: with prev_end = end of the previous content's match (0 for the
//             first content): start >= max(0, prev_end + distance) and
//             start + len <= prev_end + distance + within.
// A rule matches when SOME assignment of positions satisfies every content
// (full backtracking, as Suricata retries later occurrences of the previous
// content).
struct Content {
  std::string bytes;  // raw bytes, never empty
  bool nocase = false;  // ASCII case folding only
  std::optional<uint32_t> offset, depth;
  std::optional<int32_t> distance;
  std::optional<uint32_t> within;
  bool relative() const { return distance.has_value() || within.has_value(); }
  bool absolute() const { return offset.has_value() || depth.has_value(); }
};

// pcre:"/expr/flags"; matches when expr matches anywhere in the payload.
struct Pcre {
  std::string expr;      // between the slashes, unmodified
  std::string flags;     // the modifiers as written (subset of "ism")
  unsigned hs_flags = 0; // HS_FLAG_* equivalent of `flags`
};

enum class FlowDir : uint8_t { Any, ToServer, ToClient };
enum class FlowState : uint8_t { Any, Established, NotEstablished };

// dsize: payload length compared with a (and b for Range: a < len < b).
struct Dsize {
  enum class Op : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, Range };
  Op op = Op::Eq;
  uint32_t a = 0, b = 0;
};

// TCP flag bits as on the wire (FIN=0x01 ... CWR=0x80).
struct TcpFlags {
  // Exact: (pkt & keep) == want; Plus: (pkt & want) == want;
  // Any: (pkt & want) != 0; Not: (pkt & want) != want (Suricata's reading).
  enum class Mod : uint8_t { Exact, Plus, Any, Not };
  Mod mod = Mod::Exact;
  uint8_t want = 0;
  uint8_t keep = 0xff;  // bits not listed after the comma (ignore mask)
};

struct Rule {
  uint32_t line = 0;  // 1-based line in the rule set text where the rule starts
  Action action = Action::Alert;
  Proto proto = Proto::Ip;
  AddressMatch src, dst;
  PortMatch sport, dport;
  bool bidirectional = false;  // "<>": the header matches either way round
  std::string msg, classtype;
  uint32_t sid = 0, rev = 0;
  std::vector<Content> contents;
  std::vector<Pcre> pcres;
  FlowDir flow_dir = FlowDir::Any;
  FlowState flow_state = FlowState::Any;
  std::optional<Dsize> dsize;
  std::optional<TcpFlags> flags;
};

}  // namespace vfpath::ids
