"""A stand-in for the services a workflow calls, for the tests that kill swirl in the middle of a call.

Serves a Swagger 2.0 document (GET /v2/swagger.json) with getPetById (GET /v2/pet/{id}), an A2A agent card
(GET /card.json) for an agent at POST /a2a, and an MCP server over streamable HTTP at POST /mcp. After its first
fetch, each description changes so that a caller that fetched it again would call somewhere else. The first
request of each call hangs (the test kills swirl meanwhile); the later ones answer at once. Every request is
written to the log file as one JSON line.

Usage: python3 call_peer.py LOG_FILE; prints the port it listens on.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
lock = threading.Lock()
fetched = set()
answered = set()


def record(entry):
    with lock:
        with open(LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")


def first_time(kind, into):
    with lock:
        if kind in into:
            return False
        into.add(kind)
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def hang_first(self, kind):
        if first_time(kind, answered):
            time.sleep(60)

    def do_GET(self):
        port = self.server.server_address[1]
        record({"method": "GET", "path": self.path})
        if self.path == "/v2/swagger.json":
            pet_path = "/pet/{petId}" if first_time("swagger", fetched) else "/moved/{petId}"
            document = {
                "swagger": "2.0", "info": {"title": "pets", "version": "1"}, "host": "127.0.0.1:%d" % port,
                "basePath": "/v2", "schemes": ["http"],
                "paths": {pet_path: {"get": {"operationId": "getPetById", "parameters": [
                    {"name": "petId", "in": "path", "required": True, "type": "integer"}],
                    "responses": {"200": {"description": "a pet"}}}}},
            }
            self.reply(200, json.dumps(document))
        elif self.path == "/card.json":
            url = "/a2a" if first_time("card", fetched) else "/gone"
            self.reply(200, json.dumps({"name": "agent", "url": "http://127.0.0.1:%d%s" % (port, url)}))
        elif self.path.startswith("/v2/pet/"):
            record({"call": "pet", "key": self.headers.get("Idempotency-Key")})
            self.hang_first("pet")
            self.reply(200, json.dumps({"id": int(self.path.rsplit("/", 1)[1]), "name": "doggie"}))
        else:
            self.reply(404, "{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        message = json.loads(self.rfile.read(length) or b"{}")
        record({"method": "POST", "path": self.path, "body": message})
        if self.path == "/a2a":
            record({"call": "a2a", "id": message.get("id"),
                    "messageId": message.get("params", {}).get("message", {}).get("messageId")})
            self.hang_first("a2a")
            result = {"kind": "message", "role": "agent", "messageId": "answer",
                      "parts": [{"kind": "text", "text": "done"}]}
            self.reply(200, json.dumps({"jsonrpc": "2.0", "id": message.get("id"), "result": result}))
        elif self.path == "/mcp":
            method = message.get("method")
            if method == "initialize":
                result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                          "serverInfo": {"name": "peer", "version": "1"}}
                self.reply(200, json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}),
                           headers=[("Mcp-Session-Id", "session-1")])
            elif "id" not in message:
                self.reply(202, "")
            elif method == "tools/call":
                record({"call": "mcp", "id": message["id"]})
                self.hang_first("mcp")
                result = {"content": [{"type": "text", "text": "sent"}], "isError": False}
                self.reply(200, json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}))
            else:
                self.reply(200, json.dumps({"jsonrpc": "2.0", "id": message["id"],
                                            "error": {"code": -32601, "message": "no such method"}}))
        else:
            self.reply(404, "{}")

    def do_DELETE(self):
        record({"method": "DELETE", "path": self.path})
        self.reply(204, "")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
