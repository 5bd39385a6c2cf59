{
  "targets": [
    {
      "target_name": "syncfs",
      "sources": ["syncfs.c", "committer.c", "journal.c", "spool-write.c", "crlf.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "libraries": ["-lpthread"]
    }
  ]
}
