"""A small MCP server over stdio (newline-delimited JSON-RPC 2.0), for MCPCallActivityTests.

Standard library only. It checks the client's handshake: the first message must be `initialize`,
and no request but `ping` is served before `notifications/initialized`. Every tool result says
what the server saw, so tests can check the request id, `_meta`, the client info, the protocol
version and the environment.

Tools: `echo` (returns its arguments), `whoami` (what the server saw), `fail` (isError: true),
`ping-first` (pings the client and sends a notification before answering), `crash` (writes to
stderr and exits 3 without answering), `sleep` (never answers). An unknown tool is a JSON-RPC error.

Environment: MCP_PID_FILE, when set, receives the server's pid once it has started.
"""

import json
import os
import sys
import time

state = {"initialized": False, "initialize": None, "notified": False, "pending_ping": None}


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def result(request_id, value):
    send({"jsonrpc": "2.0", "id": request_id, "result": value})


def error(request_id, code, message):
    send({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


def read_message():
    line = sys.stdin.readline()
    if not line:
        return None
    return json.loads(line)


def text(value):
    return {"content": [{"type": "text", "text": value}]}


def call_tool(request_id, params):
    name = params.get("name")
    arguments = params.get("arguments", {})
    if name == "echo":
        result(request_id, {"content": [{"type": "text", "text": json.dumps(arguments)}], "structuredContent": arguments})
    elif name == "whoami":
        seen = {
            "id": request_id,
            "meta": params.get("_meta"),
            "clientInfo": state["initialize"]["clientInfo"],
            "protocolVersion": state["initialize"]["protocolVersion"],
            "capabilities": state["initialize"].get("capabilities"),
            "environment": {name: os.environ.get(name) for name in ["MCP_GREETING", "SWIRL_IDEMPOTENCY_KEY", "SWIRL_RUN_ID"]},
        }
        result(request_id, {"content": [{"type": "text", "text": "seen"}], "structuredContent": seen})
    elif name == "fail":
        result(request_id, {"content": [{"type": "text", "text": "the tool broke: " + str(arguments.get("why"))}], "isError": True})
    elif name == "ping-first":
        send({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "working"}})
        send({"jsonrpc": "2.0", "id": "server-ping-1", "method": "ping"})
        send({"jsonrpc": "2.0", "id": 7, "method": "sampling/createMessage", "params": {}})
        answers = {}
        while len(answers) < 2:
            message = read_message()
            if message is None:
                sys.exit(4)
            answers[str(message.get("id"))] = message
        pong = answers.get("server-ping-1", {})
        refused = answers.get("7", {})
        result(request_id, {
            "content": [{"type": "text", "text": "pinged"}],
            "structuredContent": {"pong": pong.get("result"), "refused": refused.get("error", {}).get("code")},
        })
    elif name == "crash":
        sys.stderr.write("Traceback (most recent call last):\nRuntimeError: the server fell over\n")
        sys.stderr.flush()
        sys.exit(3)
    elif name == "sleep":
        time.sleep(3600)
    else:
        error(request_id, -32602, "Unknown tool: " + str(name))


def main():
    pid_file = os.environ.get("MCP_PID_FILE")
    if pid_file:
        with open(pid_file + ".tmp", "w") as handle:
            handle.write(str(os.getpid()))
        os.rename(pid_file + ".tmp", pid_file)
    first = True
    while True:
        message = read_message()
        if message is None:
            return
        method = message.get("method")
        request_id = message.get("id")
        if first:
            first = False
            if method != "initialize":
                error(request_id, -32600, "the first message must be initialize, not " + str(method))
                continue
        if method == "initialize":
            state["initialize"] = message["params"]
            result(request_id, {
                "protocolVersion": message["params"]["protocolVersion"],
                "capabilities": {"tools": {}, "prompts": {}, "resources": {}},
                "serverInfo": {"name": "peer-stdio", "version": "1.0.0"},
            })
            continue
        if method == "notifications/initialized":
            state["notified"] = True
            continue
        if request_id is None:
            continue
        if not state["notified"]:
            error(request_id, -32002, "notifications/initialized was not sent before " + str(method))
            continue
        params = message.get("params") or {}
        if method == "tools/list":
            result(request_id, {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]})
        elif method == "tools/call":
            call_tool(request_id, params)
        elif method == "prompts/list":
            result(request_id, {"prompts": [{"name": "greet", "arguments": [{"name": "who"}]}]})
        elif method == "prompts/get":
            who = params.get("arguments", {}).get("who", "nobody")
            result(request_id, {"messages": [{"role": "user", "content": {"type": "text", "text": "Hello, " + who}}]})
        elif method == "resources/list":
            result(request_id, {"resources": [{"uri": "file:///a.txt", "name": "a"}]})
        elif method == "resources/read":
            result(request_id, {"contents": [{"uri": params.get("uri"), "text": "contents of " + str(params.get("uri"))}]})
        elif method == "resources/templates/list":
            result(request_id, {"resourceTemplates": [{"uriTemplate": "file:///{name}", "name": "files"}]})
        else:
            error(request_id, -32601, "Method not found: " + str(method))


main()
