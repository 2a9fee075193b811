#include "control/delta.h"

#include <set>

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
  if (d.has_limits()) *next.mutable_limits() = d.limits();
  return next;
}

}  // namespace vfpath::control
