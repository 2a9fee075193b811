#include "ids/rule_parser.h"

#include <charconv>
#include <map>

#include "ids/content_verify.h"
#include "ids/header_parse.h"
#include "ids/pcre_check.h"
#include "ids/quoted.h"

namespace vfpath::ids {

std::string to_string(const RuleError& e) {
  std::string s = "line " + std::to_string(e.line);
  if (e.sid) s += " (sid " + std::to_string(*e.sid) + ")";
  if (!e.keyword.empty()) s += " '" + e.keyword + "'";
  return s + ": " + e.message;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A failure inside one rule: the keyword at fault and why.
struct Fault {
  std::string keyword, message;
};

struct Option {
  std::string_view key, value;
  bool has_value = false;
};

// Splits "k1:v1; k2; k3:"v;3";" at semicolons outside quotes; a backslash
// escapes the next character (so \" and \; stay inside a value).
bool split_options(std::string_view body, std::vector<Option>& out, Fault& f) {
  size_t i = 0;
  while (true) {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
    if (i == body.size()) return true;
    const size_t start = i;
    bool quoted = false;
    while (i < body.size()) {
      const char c = body[i];
      if (c == '\\' && i + 1 < body.size()) { i += 2; continue; }
      if (c == '"') quoted = !quoted;
      else if (c == ';' && !quoted) break;
      ++i;
    }
    std::string_view opt = trim(body.substr(start, i - start));
    if (i == body.size()) {
      f = {std::string(opt.substr(0, opt.find(':'))), quoted ? "unterminated quoted string"
                                                            : "option not terminated by ';'"};
      return false;
    }
    ++i;  // the ';'
    Option o;
    const size_t colon = opt.find(':');
    o.key = trim(opt.substr(0, colon));
    if (colon != std::string_view::npos) {
      o.value = trim(opt.substr(colon + 1));
      o.has_value = true;
    }
    if (o.key.empty()) {
      f = {"", "empty option"};
      return false;
    }
    out.push_back(o);
  }
}

bool unquote(std::string_view v, std::string_view& inner) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return false;
  inner = v.substr(1, v.size() - 2);
  return true;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// content text: printable bytes, \-escapes, and |hex hex| segments.
bool decode_content(std::string_view s, std::string& out, std::string& error) {
  bool hex = false;
  int pending = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '|') {
      if (hex && pending >= 0) { error = "odd number of hex digits in |...|"; return false; }
      hex = !hex;
      continue;
    }
    if (hex) {
      if (c == ' ') {
        if (pending >= 0) { error = "hex byte split by a space in |...|"; return false; }
        continue;
      }
      const int v = hexval(c);
      if (v < 0) { error = std::string("'") + c + "' is not a hex digit in |...|"; return false; }
      if (pending < 0) pending = v;
      else { out += static_cast<char>(pending * 16 + v); pending = -1; }
      continue;
    }
    if (c == '\\') {
      if (i + 1 == s.size()) { error = "trailing backslash"; return false; }
      const char e = s[++i];
      if (e != '"' && e != '\\' && e != ';' && e != ':' && e != '|') {
        error = std::string("unknown escape '\\") + e + "' (use |hex| for bytes)";
        return false;
      }
      out += e;
      continue;
    }
    if (c == '"' ) { error = "unescaped '\"' inside content"; return false; }
    out += c;
  }
  if (hex) { error = "unterminated |...| hex segment"; return false; }
  if (out.empty()) { error = "empty content"; return false; }
  return true;
}

template <typename Int>
bool parse_int(std::string_view v, Int lo, Int hi, Int& out) {
  long long n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi) return false;
  out = static_cast<Int>(n);
  return true;
}

bool parse_flag_letters(std::string_view s, uint8_t& bits, std::string& error) {
  for (char c : s) {
    uint8_t b = 0;
    switch (c) {
      case 'F': b = 0x01; break;
      case 'S': b = 0x02; break;
      case 'R': b = 0x04; break;
      case 'P': b = 0x08; break;
      case 'A': b = 0x10; break;
      case 'U': b = 0x20; break;
      case 'E': b = 0x40; break;
      case 'C': b = 0x80; break;
      default: error = std::string("unknown TCP flag '") + c + "' (FSRPAUEC, or 0)"; return false;
    }
    if (bits & b) { error = std::string("flag '") + c + "' given twice"; return false; }
    bits |= b;
  }
  return true;
}

bool parse_flags(std::string_view v, TcpFlags& out, std::string& error) {
  out = TcpFlags{};
  const size_t comma = v.find(',');
  std::string_view main = trim(v.substr(0, comma));
  if (comma != std::string_view::npos) {
    uint8_t ignore = 0;
    std::string_view ig = trim(v.substr(comma + 1));
    if (ig.empty() || !parse_flag_letters(ig, ignore, error)) {
      if (ig.empty()) error = "empty ignore mask after ','";
      return false;
    }
    out.keep = static_cast<uint8_t>(~ignore);
  }
  auto take_mod = [&](char c) {
    switch (c) {
      case '+': out.mod = TcpFlags::Mod::Plus; return true;
      case '*': out.mod = TcpFlags::Mod::Any; return true;
      case '!': out.mod = TcpFlags::Mod::Not; return true;
      default: return false;
    }
  };
  if (!main.empty() && take_mod(main.front())) main.remove_prefix(1);
  else if (!main.empty() && take_mod(main.back())) main.remove_suffix(1);
  if (main.empty()) { error = "no flags given"; return false; }
  if (main == "0") {
    if (out.mod != TcpFlags::Mod::Exact) { error = "'0' (no flags) takes no modifier"; return false; }
    out.want = 0;
    return true;
  }
  return parse_flag_letters(main, out.want, error);
}

bool parse_dsize(std::string_view v, Dsize& out, std::string& error) {
  using Op = Dsize::Op;
  out = Dsize{};
  auto num = [&](std::string_view s, uint32_t& n) {
    if (!parse_int<uint32_t>(trim(s), 0, 65535, n)) {
      error = quoted(trim(s)) + " is not a size 0..65535";
      return false;
    }
    return true;
  };
  if (const size_t r = v.find("<>"); r != std::string_view::npos) {
    out.op = Op::Range;
    if (!num(v.substr(0, r), out.a) || !num(v.substr(r + 2), out.b)) return false;
    if (out.a >= out.b) { error = "range min<>max needs min < max"; return false; }
    return true;
  }
  struct { std::string_view prefix; Op op; } ops[] = {
      {"<=", Op::Le}, {">=", Op::Ge}, {"<", Op::Lt}, {">", Op::Gt}, {"!", Op::Ne}, {"=", Op::Eq}};
  for (const auto& o : ops) {
    if (v.substr(0, o.prefix.size()) == o.prefix) {
      out.op = o.op;
      return num(v.substr(o.prefix.size()), out.a);
    }
  }
  out.op = Op::Eq;
  return num(v, out.a);
}

bool parse_flow(std::string_view v, Rule& r, std::string& error) {
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view t = trim(v.substr(start, comma - start));
    start = comma + 1;
    FlowDir dir = FlowDir::Any;
    FlowState st = FlowState::Any;
    if (t == "to_server" || t == "from_client") dir = FlowDir::ToServer;
    else if (t == "to_client" || t == "from_server") dir = FlowDir::ToClient;
    else if (t == "established") st = FlowState::Established;
    else if (t == "not_established") st = FlowState::NotEstablished;
    else if (t == "stateless") continue;
    else {
      error = quoted(t) + " is not supported (to_server, to_client, from_client, "
              "from_server, established, not_established, stateless)";
      return false;
    }
    if (dir != FlowDir::Any) {
      if (r.flow_dir != FlowDir::Any) { error = "two directions given"; return false; }
      r.flow_dir = dir;
    }
    if (st != FlowState::Any) {
      if (r.flow_state != FlowState::Any) { error = "two states given"; return false; }
      r.flow_state = st;
    }
  }
  return true;
}

// The options of one rule, in order; `sid` is filled as soon as it is read
// (a pre-pass finds it so that every error can name it).
bool parse_options(std::string_view body, Rule& r, Fault& f) {
  std::vector<Option> opts;
  if (!split_options(body, opts, f)) return false;
  bool have_sid = false, have_rev = false, have_msg = false, have_class = false;
  bool have_flow = false;
  for (const Option& o : opts) {
    const std::string key(o.key);
    auto fail = [&](std::string msg) { f = {key, std::move(msg)}; return false; };
    auto need_value = [&]() { return o.has_value && !o.value.empty(); };
    Content* last = r.contents.empty() ? nullptr : &r.contents.back();

    if (key == "msg") {
      std::string_view inner;
      if (!o.has_value || !unquote(o.value, inner)) return fail("expected a quoted string");
      if (have_msg) return fail("given twice");
      have_msg = true;
      r.msg = unescape(inner);
    } else if (key == "sid" || key == "rev") {
      uint32_t n = 0;
      if (!o.has_value || !parse_int<uint32_t>(o.value, key == "sid" ? 1 : 0, UINT32_MAX, n))
        return fail("expected a number" + std::string(key == "sid" ? " >= 1" : ""));
      bool& seen = key == "sid" ? have_sid : have_rev;
      if (seen) return fail("given twice");
      seen = true;
      (key == "sid" ? r.sid : r.rev) = n;
    } else if (key == "classtype") {
      if (!need_value()) return fail("expected a class name");
      if (have_class) return fail("given twice");
      have_class = true;
      r.classtype = std::string(o.value);
    } else if (key == "metadata" || key == "reference") {
      // Informational only; ignored.
    } else if (key == "content") {
      if (!o.has_value) return fail("expected a quoted string");
      if (o.value.substr(0, 1) == "!") return fail("negated content is not supported");
      if (r.contents.size() == kMaxContentsPerRule)
        return fail("more than " + std::to_string(kMaxContentsPerRule) + " contents in one rule");
      std::string_view inner;
      if (!unquote(o.value, inner)) return fail("expected a quoted string");
      Content c;
      std::string err;
      if (!decode_content(inner, c.bytes, err)) return fail(err);
      r.contents.push_back(std::move(c));
    } else if (key == "nocase") {
      if (o.has_value) return fail("takes no value");
      if (!last) return fail("needs a preceding content");
      if (last->nocase) return fail("given twice for one content");
      last->nocase = true;
    } else if (key == "offset" || key == "depth" || key == "within" || key == "distance") {
      if (!last) return fail("needs a preceding content");
      const bool relative = key == "within" || key == "distance";
      if (relative ? last->absolute() : last->relative())
        return fail("cannot mix absolute (offset, depth) and relative (distance, within) "
                    "modifiers on one content");
      if (key == "distance") {
        int32_t n = 0;
        if (!o.has_value || !parse_int<int32_t>(o.value, -65535, 65535, n))
          return fail("expected a number -65535..65535");
        if (last->distance) return fail("given twice for one content");
        last->distance = n;
        continue;
      }
      uint32_t n = 0;
      if (!o.has_value || !parse_int<uint32_t>(o.value, 0, 65535, n))
        return fail("expected a number 0..65535");
      std::optional<uint32_t>& slot =
          key == "offset" ? last->offset : key == "depth" ? last->depth : last->within;
      if (slot) return fail("given twice for one content");
      if (key != "offset" && n < last->bytes.size())
        return fail(std::to_string(n) + " is shorter than the content (" +
                    std::to_string(last->bytes.size()) + " bytes), so it can never match");
      slot = n;
    } else if (key == "fast_pattern") {
      if (o.has_value) return fail("options of fast_pattern are not supported");
      if (!last) return fail("needs a preceding content");
      // Accepted and ignored: the compiler picks the prefilter itself, and the
      // verdict does not depend on the choice.
    } else if (key == "pcre") {
      std::string_view inner;
      if (!o.has_value || !unquote(o.value, inner)) return fail("expected \"/expression/flags\"");
      Pcre p;
      std::string err;
      if (!parse_pcre(inner, p, err)) return fail(err);
      r.pcres.push_back(std::move(p));
    } else if (key == "flow") {
      if (!need_value()) return fail("expected to_server, to_client and/or established");
      if (have_flow) return fail("given twice");
      have_flow = true;
      std::string err;
      if (!parse_flow(o.value, r, err)) return fail(err);
    } else if (key == "dsize") {
      if (!need_value()) return fail("expected N, <N, >N, <=N, >=N, !N or min<>max");
      if (r.dsize) return fail("given twice");
      Dsize d;
      std::string err;
      if (!parse_dsize(o.value, d, err)) return fail(err);
      r.dsize = d;
    } else if (key == "flags") {
      if (!need_value()) return fail("expected TCP flags such as S, SA, S+, *SF, !R");
      if (r.flags) return fail("given twice");
      if (r.proto != Proto::Tcp) return fail("only applies to tcp rules");
      TcpFlags t;
      std::string err;
      if (!parse_flags(o.value, t, err)) return fail(err);
      r.flags = t;
    } else {
      return fail("unknown or unsupported keyword");
    }
  }
  if (!have_sid) {
    f = {"sid", "missing (every rule needs a unique sid)"};
    return false;
  }
  return true;
}

// Finds sid:N in the option text before the full parse, so that errors in
// earlier options can still name the rule.
std::optional<uint32_t> peek_sid(std::string_view body) {
  for (size_t pos = body.find("sid"); pos != std::string_view::npos; pos = body.find("sid", pos + 3)) {
    if (pos > 0 && body[pos - 1] != ';' && body[pos - 1] != ' ' && body[pos - 1] != '(') continue;
    std::string_view rest = trim(body.substr(pos + 3));
    if (rest.empty() || rest.front() != ':') continue;
    rest = trim(rest.substr(1));
    const size_t end = rest.find(';');
    uint32_t n = 0;
    if (parse_int<uint32_t>(trim(rest.substr(0, end)), 1, UINT32_MAX, n)) return n;
  }
  return std::nullopt;
}

bool parse_one(std::string_view text, Rule& r, Fault& f) {
  // Header: action proto src sport dir dst dport ( options )
  const size_t open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') {
    f = {"", "expected 'action proto src sport -> dst dport (options)'"};
    return false;
  }
  std::vector<std::string_view> fields;
  {
    std::string_view h = text.substr(0, open);
    size_t i = 0;
    while (i < h.size()) {
      while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
      if (i == h.size()) break;
      const size_t start = i;
      int depth = 0;  // lists may hold spaces: "[1.2.3.4, 5.6.7.8]"
      while (i < h.size() && (depth > 0 || (h[i] != ' ' && h[i] != '\t'))) {
        if (h[i] == '[') ++depth;
        if (h[i] == ']') --depth;
        ++i;
      }
      fields.push_back(h.substr(start, i - start));
    }
  }
  if (fields.size() != 7) {
    f = {"", "the header has " + std::to_string(fields.size()) +
                 " fields; expected 7: action proto src sport -> dst dport"};
    return false;
  }
  if (fields[0] == "alert") r.action = Action::Alert;
  else if (fields[0] == "drop") r.action = Action::Drop;
  else if (fields[0] == "pass") r.action = Action::Pass;
  else {
    f = {"action", quoted(fields[0]) + " is not supported (alert, drop, pass)"};
    return false;
  }
  if (fields[1] == "tcp") r.proto = Proto::Tcp;
  else if (fields[1] == "udp") r.proto = Proto::Udp;
  else if (fields[1] == "icmp") r.proto = Proto::Icmp;
  else if (fields[1] == "ip") r.proto = Proto::Ip;
  else {
    f = {"protocol", quoted(fields[1]) + " is not supported (tcp, udp, icmp, ip)"};
    return false;
  }
  if (fields[4] == "<>") r.bidirectional = true;
  else if (fields[4] != "->") {
    f = {"direction", quoted(fields[4]) + " is not '->' or '<>'"};
    return false;
  }
  std::string err;
  if (!parse_address(fields[2], r.src, err)) { f = {"source address", err}; return false; }
  if (!parse_address(fields[5], r.dst, err)) { f = {"destination address", err}; return false; }
  if (!parse_ports(fields[3], r.sport, err)) { f = {"source port", err}; return false; }
  if (!parse_ports(fields[6], r.dport, err)) { f = {"destination port", err}; return false; }
  const bool has_ports = !r.sport.include.empty() || !r.sport.exclude.empty() ||
                         !r.dport.include.empty() || !r.dport.exclude.empty();
  if (has_ports && r.proto != Proto::Tcp && r.proto != Proto::Udp) {
    f = {"source port", "ports other than 'any' need protocol tcp or udp"};
    return false;
  }
  return parse_options(text.substr(open + 1, text.size() - open - 2), r, f);
}

}  // namespace

ParseResult parse_rules(std::string_view text) {
  ParseResult result;
  std::map<uint32_t, uint32_t> sid_line;
  uint32_t line_no = 0;
  std::string logical;
  uint32_t logical_line = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (logical.empty()) {
      if (line.empty() || line.front() == '#') continue;
      logical_line = line_no;
    }
    if (!line.empty() && line.back() == '\\') {
      logical.append(line.substr(0, line.size() - 1));
      if (pos <= text.size()) continue;
    } else {
      logical.append(line);
    }
    Rule r;
    r.line = logical_line;
    Fault f;
    const std::string_view rule_text = trim(logical);
    if (!parse_one(rule_text, r, f)) {
      const size_t open = rule_text.find('(');
      result.errors.push_back({logical_line,
                               open == std::string_view::npos ? std::nullopt : peek_sid(rule_text.substr(open)),
                               f.keyword, f.message});
    } else if (auto [it, fresh] = sid_line.emplace(r.sid, r.line); !fresh) {
      result.errors.push_back({logical_line, r.sid, "sid",
                               "duplicate: sid " + std::to_string(r.sid) + " is already used on line " +
                                   std::to_string(it->second)});
    } else {
      result.rules.push_back(std::move(r));
    }
    logical.clear();
  }
  if (!result.errors.empty()) result.rules.clear();
  return result;
}

}  // namespace vfpath::ids
