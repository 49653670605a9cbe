// SharedLibrary (see shared_library.hpp).
#include "sprout/blocklists/shared_library.hpp"

#include <dlfcn.h>

namespace sprout::blocklists {

namespace {
std::string last_dl_error() {
  const char* e = ::dlerror();
  return e != nullptr ? e : "unknown error";
}
}  // namespace

SharedLibrary::SharedLibrary(const char* soname, Unload unload) : soname_(soname) {
  // RTLD_LOCAL: its symbols serve only the pointers resolved here, never another library.
  const int keep = unload == Unload::never ? RTLD_NODELETE : 0;
  handle_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL | keep);
  if (handle_ == nullptr) error_ = "cannot load " + soname_ + ": " + last_dl_error();
}

SharedLibrary::~SharedLibrary() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

void* SharedLibrary::symbol(const char* name) {
  if (handle_ == nullptr) return nullptr;
  void* p = ::dlsym(handle_, name);
  if (p == nullptr && error_.empty()) error_ = soname_ + " has no " + name + ": " + last_dl_error();
  return p;
}

}  // namespace sprout::blocklists
