"""A small MCP server over streamable HTTP, for MCPCallActivityTests. Standard library only.

Prints its port on the first line of stdout and serves on 127.0.0.1 until its stdin closes.

POST /mcp takes one JSON-RPC message. `initialize` opens a session (answered as JSON with an
Mcp-Session-Id header); every later message must carry that session id and the negotiated
MCP-Protocol-Version, else 404 or 400; requests before `notifications/initialized` are refused.
tools/list, prompts/get and resources/read are answered as JSON; tools/call, prompts/list,
resources/list and resources/templates/list as a text/event-stream. Notifications and responses
get 202. DELETE /mcp ends the session. GET /log returns every request seen (method, path,
headers with lowercased names, body).

Tools: `echo`, `whoami` (what the server saw), `fail` (isError: true), `ping-first` (over the
stream: a notification and a ping, then the result once the client has answered the ping),
`drop` (a stream that ends without an answer), `sleep` (a stream that never answers). With
`--token T`, every /mcp request needs `Authorization: Bearer T`.
"""

import http.server
import json
import sys
import threading
import uuid

lock = threading.Lock()
sessions = {}
log = []
answers = {}
answered = threading.Condition(lock)
token = None
if "--token" in sys.argv:
    token = sys.argv[sys.argv.index("--token") + 1]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def record(self, body):
        with lock:
            log.append({
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body,
            })

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(b": stream opened\n\n")
        self.wfile.flush()

    def event(self, message, spread=False):
        if spread:
            # One event over several data lines, with CRLF line ends: the client joins them with \n.
            lines = json.dumps(message, indent=1).split("\n")
            data = "".join("data: " + line + "\r\n" for line in lines) + "\r\n"
            self.wfile.write(("id: 1\r\nevent: message\r\n" + data).encode())
        else:
            self.wfile.write(("event: message\ndata: " + json.dumps(message) + "\n\n").encode())
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/log":
            with lock:
                self.reply(200, list(log))
        else:
            self.reply(405)

    def authorized(self):
        if token is not None and self.headers.get("Authorization") != "Bearer " + token:
            self.reply(401, {"error": "unauthorized"})
            return False
        return True

    def session(self):
        """The session of the request, or None after answering with an HTTP error."""
        session_id = self.headers.get("Mcp-Session-Id")
        if session_id is None:
            self.reply(400, {"error": "missing Mcp-Session-Id"})
            return None
        with lock:
            session = sessions.get(session_id)
        if session is None:
            self.reply(404, {"error": "unknown session"})
            return None
        if self.headers.get("MCP-Protocol-Version") != session["protocolVersion"]:
            self.reply(400, {"error": "bad MCP-Protocol-Version " + str(self.headers.get("MCP-Protocol-Version"))})
            return None
        return session

    def do_DELETE(self):
        self.record(None)
        session_id = self.headers.get("Mcp-Session-Id")
        with lock:
            known = sessions.pop(session_id, None)
        self.reply(200 if known else 404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        message = json.loads(self.rfile.read(length))
        self.record(message)
        if not self.authorized():
            return
        if "json" not in self.headers.get("Accept", "") or "text/event-stream" not in self.headers.get("Accept", ""):
            self.reply(406, {"error": "Accept must list application/json and text/event-stream"})
            return
        method = message.get("method")
        request_id = message.get("id")
        if method == "initialize":
            if self.headers.get("Mcp-Session-Id") is not None:
                self.reply(400, {"error": "initialize must not carry a session"})
                return
            session_id = uuid.uuid4().hex
            params = message["params"]
            with lock:
                sessions[session_id] = {
                    "protocolVersion": params["protocolVersion"], "initialized": False, "initialize": params,
                }
            self.reply(200, {"jsonrpc": "2.0", "id": request_id, "result": {
                "protocolVersion": params["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "peer-http", "version": "1.0.0"},
            }}, {"Mcp-Session-Id": session_id})
            return
        session = self.session()
        if session is None:
            return
        if method is None:
            with answered:
                answers[str(request_id)] = message
                answered.notify_all()
            self.reply(202)
            return
        if request_id is None:
            if method == "notifications/initialized":
                with lock:
                    session["initialized"] = True
            self.reply(202)
            return
        if not session["initialized"]:
            self.reply(200, {"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32002, "message": "notifications/initialized was not sent before " + method}})
            return
        params = message.get("params") or {}

        def answer(value):
            return {"jsonrpc": "2.0", "id": request_id, "result": value}

        if method == "tools/list":
            self.reply(200, answer({"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}))
        elif method == "prompts/get":
            who = params.get("arguments", {}).get("who", "nobody")
            self.reply(200, answer({"messages": [{"role": "user", "content": {"type": "text", "text": "Hello, " + who}}]}))
        elif method == "resources/read":
            self.reply(200, answer({"contents": [{"uri": params.get("uri"), "text": "contents of " + str(params.get("uri"))}]}))
        elif method == "prompts/list":
            self.start_stream()
            self.event(answer({"prompts": [{"name": "greet"}]}), spread=True)
        elif method == "resources/list":
            self.start_stream()
            self.event(answer({"resources": [{"uri": "file:///a.txt", "name": "a"}]}))
        elif method == "resources/templates/list":
            self.start_stream()
            self.event(answer({"resourceTemplates": [{"uriTemplate": "file:///{name}", "name": "files"}]}))
        elif method == "tools/call":
            self.call_tool(params, request_id, answer, session)
        else:
            self.reply(200, {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "Method not found"}})

    def call_tool(self, params, request_id, answer, session):
        name = params.get("name")
        arguments = params.get("arguments", {})
        if name not in ["echo", "whoami", "fail", "ping-first", "drop", "sleep"]:
            self.reply(200, {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32602, "message": "Unknown tool: " + str(name)}})
            return
        self.start_stream()
        self.event({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progress": 1}})
        if name == "echo":
            self.event(answer({"content": [{"type": "text", "text": json.dumps(arguments)}], "structuredContent": arguments}), spread=True)
        elif name == "whoami":
            self.event(answer({"content": [{"type": "text", "text": "seen"}], "structuredContent": {
                "id": request_id,
                "meta": params.get("_meta"),
                "clientInfo": session["initialize"]["clientInfo"],
                "protocolVersion": session["protocolVersion"],
                "authorization": self.headers.get("Authorization"),
                "custom": self.headers.get("X-Custom"),
            }}))
        elif name == "fail":
            self.event(answer({"content": [{"type": "text", "text": "the tool broke"}], "isError": True}))
        elif name == "ping-first":
            self.event({"jsonrpc": "2.0", "id": "server-ping-1", "method": "ping"})
            with answered:
                answered.wait_for(lambda: "server-ping-1" in answers, timeout=10)
                pong = answers.pop("server-ping-1", {})
            self.event(answer({"content": [{"type": "text", "text": "pinged"}], "structuredContent": {"pong": pong.get("result")}}))
        elif name == "drop":
            pass
        elif name == "sleep":
            try:
                while True:
                    threading.Event().wait(0.2)
                    self.wfile.write(b": still thinking\n\n")
                    self.wfile.flush()
            except OSError:
                pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


main()
