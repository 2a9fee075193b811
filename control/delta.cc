#include "control/delta.h"

#include <set>

#include "control/overlay_config.h"

namespace vfpath::control {
namespace {

// Replaces the object with the same id or appends it; deletes by id. One
// template for every object kind (all have `id()`).
template <typename T>
void change(google::protobuf::RepeatedPtrField<T>& objects, const google::protobuf::RepeatedPtrField<T>& upserts,
            const google::protobuf::RepeatedPtrField<std::string>& deletes, const std::string& kind,
            std::vector<std::string>& problems) {
  std::set<std::string> touched;
  for (int i = 0; i < deletes.size(); ++i) {
    const std::string& id = deletes[i];
    std::string path = "delete_" + kind + "s[" + std::to_string(i) + "]";
    if (!touched.insert(id).second) {
      problems.push_back(path + ": \"" + id + "\" appears twice in this delta");
      continue;
    }
    bool found = false;
    for (int j = 0; j < objects.size(); ++j)
      if (objects[j].id() == id) {
        objects.DeleteSubrange(j, 1);
        found = true;
        break;
      }
    if (!found) problems.push_back(path + ": no " + kind + " \"" + id + "\" to delete");
  }
  for (int i = 0; i < upserts.size(); ++i) {
    const T& u = upserts[i];
    std::string path = "upsert_" + kind + "s[" + std::to_string(i) + "]";
    if (u.id().empty()) {
      problems.push_back(path + ".id: is empty");
      continue;
    }
    if (!touched.insert(u.id()).second) {
      problems.push_back(path + ": \"" + u.id() + "\" appears twice in this delta");
      continue;
    }
    bool replaced = false;
    for (auto& o : objects)
      if (o.id() == u.id()) {
        o = u;
        replaced = true;
        break;
      }
    if (!replaced) *objects.Add() = u;
  }
}

// The same for mappings and overlay routes, matched by (VPC, address or
// prefix) in canonical form. `key_of(vpc, text)` is mapping_key/route_key;
// `field(object)` its address or prefix text.
template <typename T, typename K, typename KeyOf, typename Field>
void change_keyed(google::protobuf::RepeatedPtrField<T>& objects, const google::protobuf::RepeatedPtrField<T>& upserts,
                  const google::protobuf::RepeatedPtrField<K>& deletes, const std::string& kind, KeyOf key_of,
                  Field field, std::vector<std::string>& problems) {
  std::set<OverlayKey> touched;
  auto describe = [&](const std::string& vpc, const std::string& text) {
    return "\"" + text + "\" in VPC \"" + vpc + "\"";
  };
  for (int i = 0; i < deletes.size(); ++i) {
    const K& d = deletes[i];
    const std::string path = "delete_" + kind + "s[" + std::to_string(i) + "]";
    auto key = key_of(d.vpc(), field(d));
    if (!key) {
      problems.push_back(path + ": " + describe(d.vpc(), field(d)) + " is not valid");
      continue;
    }
    if (!touched.insert(*key).second) {
      problems.push_back(path + ": " + describe(d.vpc(), field(d)) + " appears twice in this delta");
      continue;
    }
    bool found = false;
    for (int j = 0; j < objects.size(); ++j)
      if (key_of(objects[j].vpc(), field(objects[j])) == key) {
        objects.DeleteSubrange(j, 1);
        found = true;
        break;
      }
    if (!found) problems.push_back(path + ": no " + kind + " of " + describe(d.vpc(), field(d)) + " to delete");
  }
  for (int i = 0; i < upserts.size(); ++i) {
    const T& u = upserts[i];
    const std::string path = "upsert_" + kind + "s[" + std::to_string(i) + "]";
    auto key = key_of(u.vpc(), field(u));
    if (!key) {  // appended as is: validation names what is wrong with it
      *objects.Add() = u;
      continue;
    }
    if (!touched.insert(*key).second) {
      problems.push_back(path + ": " + describe(u.vpc(), field(u)) + " appears twice in this delta");
      continue;
    }
    bool replaced = false;
    for (auto& o : objects)
      if (key_of(o.vpc(), field(o)) == key) {
        o = u;
        replaced = true;
        break;
      }
    if (!replaced) *objects.Add() = u;
  }
}

}  // namespace

config::v1::Config apply_delta(const config::v1::Config& base, const config::v1::Delta& d,
                               std::vector<std::string>& problems) {
  config::v1::Config next = base;
  next.set_generation(d.generation());
  change(*next.mutable_vpcs(), d.upsert_vpcs(), d.delete_vpcs(), "vpc", problems);
  change(*next.mutable_subnets(), d.upsert_subnets(), d.delete_subnets(), "subnet", problems);
  change(*next.mutable_enis(), d.upsert_enis(), d.delete_enis(), "eni", problems);
  change(*next.mutable_network_acls(), d.upsert_network_acls(), d.delete_network_acls(), "network_acl", problems);
  change(*next.mutable_security_groups(), d.upsert_security_groups(), d.delete_security_groups(), "security_group", problems);
  change(*next.mutable_prefix_lists(), d.upsert_prefix_lists(), d.delete_prefix_lists(), "prefix_list", problems);
  change(*next.mutable_ids_rulesets(), d.upsert_ids_rulesets(), d.delete_ids_rulesets(), "ids_ruleset", problems);
  if (d.has_limits()) *next.mutable_limits() = d.limits();
  if (d.has_underlay()) *next.mutable_underlay() = d.underlay();
  if (d.has_xdp()) *next.mutable_xdp() = d.xdp();
  if (d.has_internet_gateway()) *next.mutable_internet_gateway() = d.internet_gateway();
  change_keyed(*next.mutable_mappings(), d.upsert_mappings(), d.delete_mappings(), "mapping", mapping_key,
               [](const auto& m) -> const std::string& { return m.ip(); }, problems);
  change_keyed(*next.mutable_overlay_routes(), d.upsert_overlay_routes(), d.delete_overlay_routes(), "overlay_route",
               route_key, [](const auto& r) -> const std::string& { return r.prefix(); }, problems);
  return next;
}

}  // namespace vfpath::control
