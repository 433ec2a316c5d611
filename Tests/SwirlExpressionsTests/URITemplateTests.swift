import SwirlExpressions
import Testing

@Suite struct URITemplateTests {
    @Test(
        "accepts templates of every level and lists their variables",
        arguments: [
            ("https://petstore.swagger.io/v2/pet/{petId}", ["petId"]),
            ("https://example.com/search{?q,lang}", ["q", "lang"]),
            ("http://h/{+path}/x{#frag}{.ext}{/seg*}{;params}{&more:3}", ["path", "frag", "ext", "seg", "params", "more"]),
            ("https://example.com/%20a/{a.b}", ["a.b"]), ("no-variables", []), ("{%41b}", ["%41b"]),
        ])
    func accepts(text: String, variables: [String]) throws {
        #expect(try URITemplate(parsing: text).variableNames == variables)
    }

    @Test(
        "rejects malformed templates",
        arguments: [
            ("http://h/{id", "never closed"), ("http://h/id}", "no matching"), ("http://h/{}", "empty expression"),
            ("http://h/{=x}", "reserved"), ("http://h/{a,}", "empty variable"), ("http://h/{a b}", "not allowed in a variable"),
            ("http://h/{a:0}", "prefix modifier"), ("http://h/{a:12345}", "prefix modifier"), ("http://h/a b", "percent-encode"),
            ("http://h/%zz", "percent-encoding"), ("http://h/{a..b}", "misplaced '.'"), ("http://h/{a.}", "cannot end with '.'"),
        ])
    func rejects(text: String, reason: String) {
        #expect {
            _ = try URITemplate(parsing: text)
        } throws: { error in
            (error as? URITemplate.ParseError)?.reason.contains(reason) == true
        }
    }
}
