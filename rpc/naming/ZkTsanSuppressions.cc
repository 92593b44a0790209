// Linked statically into every binary that uses the ZooKeeper client (see
// the BUILD file): ThreadSanitizer looks for __tsan_default_suppressions in
// the executable, not in the shared libraries a test build links.
#if defined(__SANITIZE_THREAD__)
// The 3.8 C client formats endpoint addresses into one static buffer shared
// by every handle's I/O thread, even with its logging off (its reconnect path
// formats them either way), so two sessions reconnecting at once race on it:
// a defect of the library, harmless to us (the text only feeds its own
// messages), that no setting avoids. The suppression matches any report with
// a frame in the library, so it would also hide a race in code the client's
// threads call back into; ours only copies what it is given and posts it to
// the session's loop (watcher(), the completions below).
extern "C" const char* __tsan_default_suppressions() { return "race:libzookeeper_mt.so\n"; }
#endif
