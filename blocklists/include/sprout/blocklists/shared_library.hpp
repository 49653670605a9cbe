// A shared library loaded at run time (dlopen), for the ones only some configurations use.
//
// Why: a library linked into sproutdns is mapped at start with everything it needs, and
// its relocated and initialized pages stay resident. libcurl (URL lists) brings about 25
// more libraries (gnutls, krb5, ldap, ssh2...) and libpq (the central stats store) about
// 15: 4-6 MiB resident in a server whose lists are files and whose stats are SQLite
// (packaging/README.md, "Resident memory"). Loaded here, they are mapped only while used.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace sprout::blocklists {

class SharedLibrary {
 public:
  // The library is unloaded with its last handle, or stays once loaded (never). Keep a
  // library that, used on its error paths, allocates state it frees only at exit (libpq):
  // unloading it would leak that state at every load.
  enum class Unload : bool { with_last_handle, never };
  // Loads `soname` (e.g. "libcurl.so.4"); when that fails, loaded() is false and error() says why.
  explicit SharedLibrary(const char* soname, Unload unload = Unload::with_last_handle);
  ~SharedLibrary();  // unloads it (the system keeps it while another handle holds it)
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  [[nodiscard]] bool loaded() const noexcept { return handle_ != nullptr; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  // Points `fn` at the library's function `name`; false (and error() says which) when it has none.
  template <class F>
  bool resolve(F*& fn, const char* name) {
    fn = reinterpret_cast<F*>(symbol(name));
    return fn != nullptr;
  }

 private:
  void* symbol(const char* name);
  void* handle_ = nullptr;
  std::string soname_;
  std::string error_;
};

// The one loaded instance of `Api` (a struct holding a SharedLibrary and the functions it
// resolved; it has `bool ready() const` and `std::string error() const`), shared by all its
// users at a time: the first loads it, the last one's release unloads it. Loading and
// unloading are serialized (a library's global init and cleanup must not overlap).
// Null when it cannot be loaded, and `error` says why.
template <class Api>
std::shared_ptr<const Api> load_library(std::string& error) {
  // Never destroyed: a thread still inside the library when the process exits (a detached
  // central-store reader waiting on a server that does not answer) may load or release it
  // while static destructors run (TSan saw `current` destroyed under such a thread).
  static std::mutex& mutex = *new std::mutex;
  static std::weak_ptr<const Api>& current = *new std::weak_ptr<const Api>;
  std::shared_ptr<const Api> api;
  {
    std::lock_guard lock(mutex);
    api = current.lock();
    if (!api) {
      api.reset(new Api, [](const Api* p) {
        std::lock_guard unload(mutex);
        delete p;
      });
      if (api->ready()) current = api;
    }
  }
  if (api->ready()) return api;
  error = api->error();
  return nullptr;  // (the failed instance is released here, outside the lock its deleter takes)
}

}  // namespace sprout::blocklists
