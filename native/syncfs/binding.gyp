{
  "targets": [
    {
      "target_name": "syncfs",
      "sources": ["syncfs.c", "committer.c", "spool-write.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "libraries": ["-lpthread"]
    }
  ]
}
