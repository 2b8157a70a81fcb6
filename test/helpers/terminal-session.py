"""Runs a command in a pseudo-terminal and plays a dialogue with it.

Reads JSON from stdin: {"argv": [...], "env": {...}, "steps": [{"expect": text, "send": text}], "timeout": s}.
Writes JSON to stdout: {"status": exit code, "output": everything the terminal showed, "error": text|null}.
"""
import json
import os
import pty
import select
import sys
import time


def main():
    spec = json.load(sys.stdin)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
    output = b""
    error = None
    deadline = time.time() + spec.get("timeout", 30)

    def read_some(wait):
        nonlocal output
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        output += chunk
        return True

    seen = 0
    for step in spec["steps"]:
        expected = step["expect"].encode()
        while output.find(expected, seen) < 0:
            if time.time() > deadline or not read_some(0.1):
                error = "did not see %r" % step["expect"]
                break
        if error:
            break
        seen = output.find(expected, seen) + len(expected)
        time.sleep(0.05)
        os.write(fd, step["send"].encode())
    while time.time() < deadline and read_some(0.1):
        pass
    if time.time() >= deadline:
        error = error or "timed out"
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    json.dump({"status": code, "output": output.decode("utf-8", "replace"), "error": error}, sys.stdout)


main()
