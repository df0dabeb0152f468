#!/usr/bin/env python3
"""A real HTTP server for the host's HTTP-client tests, on 127.0.0.1 and a free port (printed as
"PORT n" on the first line). Routes:
  recorded answers from ANSWERS.json ({"answers": [{"method","path","status","body" or "bodyFile","bodyContains"?}]},
  the same file the host's canned:DIR connector reads); "bodyContains" may list texts that must all be in
  the request body; "sequence": [{"status","body" or "bodyFile"}...] answers successive matching calls in
  order, each once (a further call gets 404 "sequence used up"); an answer (or a sequence step) may add
  "delayMs": N (wait before answering) and "truncateAfter": N (announce the whole body, send N bytes of
  it, close the connection: a stream cut off mid-answer)
  /flaky/<id>?fail=N&status=S   the first N calls for <id> answer status S (default 500), then 200
  /close/<id>?fail=N            the first N calls for <id> drop the connection without a reply
  /stall?ms=N                   answers 200 after N milliseconds
  /echo                         answers the request's method, path, headers and body as JSON
  /count/<id>                   how many calls <id> got so far
  /search?total=N               a paged search: {"request":{"offset","limit"}} -> result.content items
  /__received                   every request the recorded answers were asked for so far (method, path,
                                headers, body), answered or not: what a test asserts was sent
Usage: recorded_http_server.py [ANSWERS.json]"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

answers = json.load(open(sys.argv[1]))["answers"] if len(sys.argv) > 1 else []
calls, received, lock = {}, [], threading.Lock()

def count(key):
    with lock:
        calls[key] = calls.get(key, 0) + 1
        return calls[key]

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        parts = url.path.strip("/").split("/")
        if parts[0] == "flaky":
            n = count("flaky/" + parts[1])
            if n <= int(q.get("fail", 1)):
                return self.reply(int(q.get("status", 500)), {"error": "flaky", "call": n})
            return self.reply(200, {"ok": True, "calls": n})
        if parts[0] == "close":
            n = count("close/" + parts[1])
            if n <= int(q.get("fail", 1)):
                self.close_connection = True
                self.connection.shutdown(2)
                return
            return self.reply(200, {"ok": True, "calls": n})
        if parts[0] == "stall":
            time.sleep(int(q.get("ms", 1000)) / 1000)
            return self.reply(200, {"ok": True})
        if parts[0] == "echo":
            return self.reply(200, {"method": self.command, "path": url.path,
                                    "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        if parts[0] == "search":
            count("search")
            req = json.loads(body or "{}").get("request", {})
            total, offset, limit = int(q.get("total", 25)), int(req.get("offset", 0)), int(req.get("limit", 10))
            items = [{"identifier": "do_%d" % i} for i in range(offset, min(offset + limit, total))]
            return self.reply(200, {"responseCode": "OK", "result": {"count": total, "content": items}})
        if parts[0] == "__received":
            with lock:
                return self.reply(200, {"received": received})
        if parts[0] == "count":
            with lock:
                return self.reply(200, {"calls": calls.get("/".join(parts[1:]), 0)})
        with lock:
            received.append({"method": self.command, "path": url.path, "body": body,
                             "headers": {k.lower(): v for k, v in self.headers.items()}})
        for i, a in enumerate(answers):
            wanted = a.get("bodyContains", [])
            wanted = wanted if isinstance(wanted, list) else [wanted]
            if a["method"] == self.command and a["path"] == url.path and all(w in body for w in wanted):
                if "sequence" in a:
                    n = count("sequence/%d" % i) - 1
                    if n >= len(a["sequence"]):
                        return self.reply(404, {"error": "sequence used up", "path": url.path, "answers": len(a["sequence"])})
                    a = a["sequence"][n]
                return self.recorded(a)
        self.reply(404, {"error": "no route", "path": url.path})

    def recorded(self, a):
        time.sleep(a.get("delayMs", 0) / 1000)
        if "bodyFile" in a:
            data = open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), a["bodyFile"]), "rb").read()
        else:
            b = a.get("body", "")
            data = (b if isinstance(b, str) else json.dumps(b)).encode()
        self.send_response(a.get("status", 200))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if "truncateAfter" in a:
            self.wfile.write(data[:a["truncateAfter"]])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
