import Foundation
import SwirlCore

/// An endpoint's authentication policy, resolved to the credentials to send (DSL-NOTES §1.14).
enum HTTPAuthentication: Sendable, Equatable {
    case basic(username: String, password: String)
    case bearer(token: String)
    case digest(username: String, password: String)
    case oauth2(HTTPOAuth2Grant)

    /// Resolves `policy`: `{use: name}` names one of `named` (the workflow's
    /// `use.authentications`); otherwise exactly one scheme is given inline, whose fields may be
    /// `{use: secretName}` to read them from a secret object.
    /// - Returns: `nil` when there is no policy.
    /// - Throws: `configuration` (400) for an unknown name or a malformed or unsupported policy;
    ///   `authorization` (403) for a secret that is not available.
    static func resolve(
        _ policy: JSON?, named: [String: JSON], secrets: Secrets, task: String
    ) throws(WorkflowError) -> HTTPAuthentication? {
        func invalid(_ detail: String) -> WorkflowError {
            WorkflowError(.configuration, title: "Invalid authentication policy", detail: detail, instance: task)
        }
        guard var policy, !policy.isNull else { return nil }
        if let reference = policy["use"] {
            guard let name = reference.stringValue, let referenced = named[name] else {
                throw invalid(
                    "authentication '\(reference.stringValue ?? reference.serialized())' is not in use.authentications")
            }
            policy = referenced
        }
        guard case .object(let schemes) = policy, schemes.count == 1, let (scheme, rawFields) = schemes.elements.first
        else {
            throw invalid("an authentication policy must have exactly one scheme: basic, bearer, digest or oauth2")
        }
        let fields = try secretFields(rawFields, scheme: scheme, secrets: secrets, task: task)
        func string(_ key: String) throws(WorkflowError) -> String {
            guard let value = fields[key]?.stringValue else { throw invalid("\(scheme).\(key) must be a string") }
            return value
        }
        switch scheme {
        case "basic": return .basic(username: try string("username"), password: try string("password"))
        case "bearer": return .bearer(token: try string("token"))
        case "digest": return .digest(username: try string("username"), password: try string("password"))
        case "oauth2": return .oauth2(try HTTPOAuth2Grant(fields, task: task))
        case "oidc":
            throw invalid("oidc authentication is not supported yet; use oauth2 with the token endpoint")
        default:
            throw invalid("unknown authentication scheme '\(scheme)'")
        }
    }

    /// The scheme's fields, read from a secret when they are `{use: secretName}`.
    private static func secretFields(
        _ fields: JSON, scheme: String, secrets: Secrets, task: String
    ) throws(WorkflowError) -> JSON {
        guard case .object(let members) = fields, members.count == 1, let secretName = members["use"]?.stringValue
        else {
            return fields
        }
        guard let secret = secrets.values[secretName] else {
            throw WorkflowError(
                .authorization, title: "Secret not available",
                detail: "authentication \(scheme) uses secret '\(secretName)', which is not among the run's secrets",
                instance: task)
        }
        guard case .object = secret else {
            throw WorkflowError(
                .configuration, title: "Invalid authentication policy",
                detail: "secret '\(secretName)' used by \(scheme) authentication must be an object", instance: task)
        }
        return secret
    }

    /// `Basic base64(user:password)`.
    static func basicHeader(username: String, password: String) -> String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// An OAuth2 token request: where to ask and what to send. Also the token cache's key, so two
/// tasks that would send the same request share one token.
struct HTTPOAuth2Grant: Sendable, Hashable {
    enum ClientAuthentication: String, Sendable {
        case post = "client_secret_post"
        case basic = "client_secret_basic"
    }

    var tokenURL: String
    var grant: String
    var clientID: String?
    var clientSecret: String?
    var clientAuthentication: ClientAuthentication
    var scopes: [String]
    var audiences: [String]
    var username: String?
    var password: String?

    init(_ fields: JSON, task: String) throws(WorkflowError) {
        func invalid(_ detail: String) -> WorkflowError {
            WorkflowError(.configuration, title: "Invalid authentication policy", detail: detail, instance: task)
        }
        guard let authority = fields["authority"]?.stringValue else {
            throw invalid("oauth2.authority must be a string")
        }
        let tokenPath = fields["endpoints"]?["token"]?.stringValue ?? "/oauth2/token"
        if tokenPath.hasPrefix("http://") || tokenPath.hasPrefix("https://") {
            tokenURL = tokenPath
        } else {
            let base = authority.hasSuffix("/") ? String(authority.dropLast()) : authority
            tokenURL = base + (tokenPath.hasPrefix("/") ? tokenPath : "/" + tokenPath)
        }
        grant = fields["grant"]?.stringValue ?? "client_credentials"
        guard grant == "client_credentials" || grant == "password" else {
            throw invalid("oauth2 grant '\(grant)' is not supported; use client_credentials or password")
        }
        clientID = fields["client"]?["id"]?.stringValue
        clientSecret = fields["client"]?["secret"]?.stringValue
        let method = fields["client"]?["authentication"]?.stringValue ?? ClientAuthentication.post.rawValue
        guard let clientAuthentication = ClientAuthentication(rawValue: method) else {
            throw invalid(
                "oauth2 client authentication '\(method)' is not supported; "
                    + "use client_secret_post or client_secret_basic"
            )
        }
        self.clientAuthentication = clientAuthentication
        if let encoding = fields["request"]?["encoding"]?.stringValue, encoding != "application/x-www-form-urlencoded" {
            throw invalid(
                "oauth2 request encoding '\(encoding)' is not supported; use application/x-www-form-urlencoded")
        }
        scopes = fields["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        audiences = fields["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        username = fields["username"]?.stringValue
        password = fields["password"]?.stringValue
        if grant == "password", username == nil || password == nil {
            throw invalid("the oauth2 password grant needs username and password")
        }
    }

    /// The `application/x-www-form-urlencoded` body of the token request.
    var formBody: String {
        var fields: [(String, String)] = [("grant_type", grant)]
        if grant == "password", let username, let password {
            fields += [("username", username), ("password", password)]
        }
        if clientAuthentication == .post {
            if let clientID { fields.append(("client_id", clientID)) }
            if let clientSecret { fields.append(("client_secret", clientSecret)) }
        }
        if !scopes.isEmpty { fields.append(("scope", scopes.joined(separator: " "))) }
        // RFC 8693 repeats `audience` once per value.
        fields += audiences.map { ("audience", $0) }
        return fields.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
    }

    /// The `Authorization` header for `client_secret_basic`, whose parts are form-encoded first (RFC 6749 §2.3.1).
    var clientBasicHeader: String? {
        guard clientAuthentication == .basic, let clientID else { return nil }
        return HTTPAuthentication.basicHeader(
            username: Self.formEncode(clientID), password: Self.formEncode(clientSecret ?? ""))
    }

    static func formEncode(_ text: String) -> String {
        HTTPURITemplateExpansion.percentEncode(text, allowReserved: false)
    }
}

/// OAuth2 access tokens shared by every call of one activity, kept until shortly before they expire.
///
/// Two calls that miss at the same time both ask the token endpoint; the later answer wins. That
/// costs one extra token request in a rare race, and keeps a slow token endpoint from holding the
/// actor.
actor HTTPOAuth2TokenCache {
    private struct Entry {
        var token: String
        var expires: ContinuousClock.Instant
    }

    private var entries: [HTTPOAuth2Grant: Entry] = [:]

    /// Tokens without `expires_in` are kept this long: long enough to spare the token endpoint a
    /// request per call, short enough that a revoked token does not linger.
    static let defaultLifetime: Duration = .seconds(60)
    /// Renew this much before the stated expiry, so a token does not expire in flight.
    static let margin: Duration = .seconds(10)

    func token(for grant: HTTPOAuth2Grant) -> String? {
        guard let entry = entries[grant] else { return nil }
        guard entry.expires > .now else {
            entries[grant] = nil
            return nil
        }
        return entry.token
    }

    func store(_ token: String, expiresIn seconds: Double?, for grant: HTTPOAuth2Grant) {
        let lifetime =
            seconds.map { Duration.milliseconds(Int64(max(0, $0) * 1000)) - Self.margin }
            ?? Self.defaultLifetime
        entries[grant] = Entry(token: token, expires: .now + lifetime)
    }
}

/// A `WWW-Authenticate: Digest …` challenge and the `Authorization` answer to it (RFC 7616, MD5 only).
struct HTTPDigestChallenge: Sendable, Equatable {
    var realm: String
    var nonce: String
    var opaque: String?
    var algorithm: String
    var qop: String?

    /// Parses the first Digest challenge among `headers` values; `nil` when there is none.
    init?(headers: [String]) {
        guard let value = headers.first(where: { $0.lowercased().hasPrefix("digest ") }) else { return nil }
        let parameters = Self.parameters(value.dropFirst("digest ".count))
        guard let realm = parameters["realm"], let nonce = parameters["nonce"] else { return nil }
        self.realm = realm
        self.nonce = nonce
        self.opaque = parameters["opaque"]
        self.algorithm = parameters["algorithm"] ?? "MD5"
        // `qop` may offer several; only `auth` is supported (no body hashing).
        if let offered = parameters["qop"] {
            let options = offered.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            qop = options.contains("auth") ? "auth" : options.first
        }
    }

    /// `name=value` and `name="quoted value"` pairs, names lowercased.
    static func parameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text[...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            result[name] = value
        }
        return result
    }

    /// The `Authorization` header value answering this challenge.
    /// - Parameters:
    ///   - uri: the request target (path and query) as sent on the request line.
    ///   - cnonce: the client nonce; random unless a test fixes it.
    /// - Returns: `nil` for an algorithm or qop other than MD5, MD5-sess and auth.
    func authorization(
        username: String, password: String, method: String, uri: String, cnonce: String, nonceCount: Int = 1
    ) -> String? {
        let upperAlgorithm = algorithm.uppercased()
        guard upperAlgorithm == "MD5" || upperAlgorithm == "MD5-SESS", qop == nil || qop == "auth" else { return nil }
        var ha1 = HTTPDigestMD5.hex("\(username):\(realm):\(password)")
        if upperAlgorithm == "MD5-SESS" { ha1 = HTTPDigestMD5.hex("\(ha1):\(nonce):\(cnonce)") }
        let ha2 = HTTPDigestMD5.hex("\(method):\(uri)")
        let count = String(nonceCount, radix: 16)
        let nc = String(repeating: "0", count: max(0, 8 - count.count)) + count
        let response: String
        if let qop {
            response = HTTPDigestMD5.hex("\(ha1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)")
        } else {
            response = HTTPDigestMD5.hex("\(ha1):\(nonce):\(ha2)")
        }
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var parts = [
            "username=\(quoted(username))", "realm=\(quoted(realm))", "nonce=\(quoted(nonce))", "uri=\(quoted(uri))",
            "algorithm=\(algorithm)", "response=\(quoted(response))",
        ]
        if let qop { parts += ["qop=\(qop)", "nc=\(nc)", "cnonce=\(quoted(cnonce))"] }
        if let opaque { parts.append("opaque=\(quoted(opaque))") }
        return "Digest " + parts.joined(separator: ", ")
    }
}
