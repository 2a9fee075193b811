#include "control/ids_alerts.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "packet/text_address.h"

namespace vfpath::control {
namespace {

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string address_text(const IpAddr& a, uint8_t family) {
  if (family == 6) return to_string(Ipv6Addr::from(a.bytes));
  return to_string(Ipv4Addr{be32::from_raw(a.words[0])});
}

// Suricata's names for the protocols its EVE "proto" field carries.
std::string proto_name(uint8_t p) {
  switch (p) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    default: return std::to_string(p);
  }
}

// "2026-12-04T02:50:01.123456+0000", UTC.
std::string timestamp(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+0000", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
  return buf;
}

}  // namespace

std::string eve_alert_json(const IdsAlertRecord& a, const AlertClock& clock, const std::string& signature,
                           const std::string& category) {
  // In 128 bits: ticks * 10^6 passes 2^63 after an hour of a GHz clock.
  const __int128 dt = static_cast<int64_t>(a.ticks - clock.ticks);
  const auto when = clock.wall + std::chrono::microseconds(static_cast<int64_t>(
                                     dt * 1000000 / static_cast<__int128>(clock.ticks_per_second)));
  const bool ports = a.proto == 6 || a.proto == 17;
  std::string j = "{\"timestamp\":\"" + timestamp(when) + "\",\"flow_id\":" + std::to_string(a.flow_id) +
                  ",\"in_iface\":";
  append_json_string(j, a.eni);
  j += ",\"event_type\":\"alert\",\"src_ip\":\"" + address_text(a.src, a.family) + "\"";
  if (ports) j += ",\"src_port\":" + std::to_string(a.sport);
  j += ",\"dest_ip\":\"" + address_text(a.dst, a.family) + "\"";
  if (ports) j += ",\"dest_port\":" + std::to_string(a.dport);
  j += ",\"proto\":\"" + proto_name(a.proto) + "\",\"direction\":\"";
  j += a.to_server ? "to_server" : "to_client";
  j += "\",\"alert\":{\"action\":\"";
  j += a.blocked ? "blocked" : "allowed";
  j += "\",\"gid\":1,\"signature_id\":" + std::to_string(a.sid) + ",\"rev\":" + std::to_string(a.rev) +
       ",\"signature\":";
  append_json_string(j, signature);
  j += ",\"category\":";
  append_json_string(j, category);
  j += ",\"severity\":3,\"metadata\":{\"ruleset\":[";
  append_json_string(j, a.ruleset);
  j += "]}}}";
  return j;
}

AlertLog::AlertLog(AlertLogOptions options, AlertClock clock, std::vector<IdsWorkerState*> workers,
                   const SnapshotPublisher& publisher)
    : options_(std::move(options)), clock_(clock), workers_(std::move(workers)), publisher_(publisher) {
  if (!options_.path.empty()) {
    file_.open(options_.path, std::ios::app | std::ios::binary);
    if (!file_) {
      // Not fatal: alerts are still streamed, and the loss is counted.
      open_error_ = "cannot open the EVE log " + options_.path + ": " + std::strerror(errno);
      options_.path.clear();
    } else {
      file_.seekp(0, std::ios::end);
      file_bytes_ = static_cast<uint64_t>(file_.tellp());
    }
  }
}

void AlertLog::rotate() {
  file_.close();
  const std::string& p = options_.path;
  std::remove((p + "." + std::to_string(options_.keep)).c_str());
  for (unsigned k = options_.keep; k > 1; --k)
    std::rename((p + "." + std::to_string(k - 1)).c_str(), (p + "." + std::to_string(k)).c_str());
  if (options_.keep > 0) std::rename(p.c_str(), (p + ".1").c_str());
  else std::remove(p.c_str());
  file_.open(p, std::ios::trunc | std::ios::binary);
  file_bytes_ = 0;
}

void AlertLog::write_line(const std::string& line) {
  if (options_.path.empty()) return;
  if (file_bytes_ > 0 && file_bytes_ + line.size() + 1 > options_.max_bytes) rotate();
  file_ << line << '\n';
  if (!file_) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    file_.clear();
    return;
  }
  file_bytes_ += line.size() + 1;
}

std::pair<std::string, std::string> AlertLog::describe(const std::string& ruleset, uint32_t sid) {
  publisher_.with_current([&](const Snapshot* s) {
    if (!s || s->generation == names_generation_) return;
    names_.clear();
    names_generation_ = s->generation;
    for (const auto& rs : s->ids_rulesets)
      for (const ids::Rule& r : rs->db->rules()) names_[{rs->id, r.sid}] = {r.msg, r.classtype};
  });
  auto it = names_.find({ruleset, sid});
  return it == names_.end() ? std::pair<std::string, std::string>{} : it->second;
}

size_t AlertLog::drain() {
  size_t n = 0;
  IdsAlertRecord a;
  std::vector<std::string> lines;
  for (IdsWorkerState* w : workers_)
    while (w->alerts.pop(a)) {
      auto [msg, category] = describe(a.ruleset, a.sid);
      lines.push_back(eve_alert_json(a, clock_, msg, category));
    }
  if (lines.empty()) return 0;
  for (const auto& l : lines) write_line(l);
  if (file_.is_open()) file_.flush();
  {
    std::lock_guard lock(mutex_);
    for (auto& l : lines) {
      recent_.emplace_back(++sequence_, std::move(l));
      if (recent_.size() > options_.recent) recent_.pop_front();
      ++n;
    }
  }
  arrived_.notify_all();
  return n;
}

std::vector<std::pair<uint64_t, std::string>> AlertLog::read(uint64_t after, size_t max,
                                                             std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (wait.count() > 0) arrived_.wait_for(lock, wait, [&] { return sequence_ > after; });
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& r : recent_) {
    if (r.first <= after) continue;
    if (out.size() >= max) break;
    out.push_back(r);
  }
  return out;
}

uint64_t AlertLog::last_sequence() const {
  std::lock_guard lock(mutex_);
  return sequence_;
}

IdsTotals AlertLog::totals() const {
  IdsTotals t = ids_totals(workers_, publisher_);
  t.counters["ids_eve_write_errors"] = write_errors();
  return t;
}

}  // namespace vfpath::control
