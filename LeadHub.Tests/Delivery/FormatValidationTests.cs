using System.Text.Json;
using LeadHub.Core.Workspace;
using LeadHub.Tests.Infrastructure;

namespace LeadHub.Tests.Delivery;

// Every broken format is refused by the workspace validator with its JSON path, so routing never meets one.
public sealed class FormatValidationTests
{
    private const string Format = "$.buyers[0].contracts[0].format";

    private static List<WorkspaceError> Validate(BuyerFormat format, string mode = ContractModes.PingPost)
    {
        var contract = mode == ContractModes.PingPost
            ? TestWorkspace.PingPost("c1", "auto", "http://b.example/ping", "http://b.example/post")
            : TestWorkspace.DirectPost("c1", "auto", "http://b.example/post", 5);
        var doc = new WorkspaceDocument
        {
            Campaigns = [TestWorkspace.Campaign("auto")],
            Buyers = [TestWorkspace.Buyer("b1", contract with { Format = format })],
        };
        return WorkspaceValidator.Validate(doc, doc);
    }

    private static void AssertRefused(BuyerFormat format, string path, string mode = ContractModes.PingPost)
    {
        var errors = Validate(format, mode);
        Assert.True(errors.Any(e => e.Path == path), $"no error at {path}; got: {string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}"))}");
    }

    private static BuyerFormat PingResponse(ResponseRules rules) => new() { Ping = new PhaseFormat { Response = rules } };

    private static BuyerFormat PostResponse(ResponseRules rules) => new() { Post = new PhaseFormat { Response = rules } };

    [Fact]
    public void A_complete_format_of_each_kind_is_valid()
    {
        var format = new BuyerFormat
        {
            Ping = new PhaseFormat
            {
                Method = "GET", Rename = new() { ["zip"] = "ZipCode" }, Meta = new() { ["ping_id"] = "ping" },
                ValueMaps = new() { ["homeowner"] = new() { ["true"] = JsonSerializer.SerializeToElement("Y") } },
                Response = new ResponseRules { Kind = ResponseKinds.Regex, Bid = "price=([0-9.]+)", Accepted = "result=(\\w+)", AcceptedWhen = "accepted" },
            },
            Post = new PhaseFormat
            {
                ContentType = ContentTypes.Xml, XmlRoot = "lead", Template = "<lead><zip>{{ lead.zip }}</zip><price>{{ price }}</price></lead>",
                Headers = new() { ["X-Vendor"] = "lh", ["Content-Type"] = "text/xml" },
                Response = new ResponseRules { Kind = ResponseKinds.Xml, Accepted = "/response/status", AcceptedMatches = "^(?i)accepted$", BuyerLeadId = "/response/id" },
            },
            Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme", Password = "pw" },
        };

        Assert.Empty(Validate(format));
    }

    [Theory]
    [InlineData("{{ lead.zip ")]
    [InlineData("{% if lead.zip %}no end")]
    [InlineData("{{ lead.zip | }}")]
    public void Malformed_templates_are_refused(string template) =>
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { Template = template } }, $"{Format}.ping.template");

    [Theory]
    [InlineData("$..bid")]
    [InlineData("bid")]
    [InlineData("$.offers[*].bid")]
    public void Bad_json_paths_are_refused(string path) =>
        AssertRefused(PingResponse(new ResponseRules { Kind = ResponseKinds.Json, Bid = path }), $"{Format}.ping.response.bid");

    [Theory]
    [InlineData("/response/price[")]
    [InlineData("//")]
    [InlineData("/b:response/b:price")]
    public void Bad_xpaths_are_refused(string xpath) =>
        AssertRefused(PingResponse(new ResponseRules { Kind = ResponseKinds.Xml, Bid = xpath }), $"{Format}.ping.response.bid");

    [Theory]
    [InlineData("price=([0-9.]+")]
    [InlineData("price=[0-9.]+")]
    public void Regexes_that_do_not_compile_or_capture_nothing_are_refused(string regex) =>
        AssertRefused(PostResponse(new ResponseRules { Kind = ResponseKinds.Regex, Accepted = regex }), $"{Format}.post.response.accepted");

    [Fact]
    public void Accepted_regex_that_does_not_compile_is_refused() =>
        AssertRefused(PostResponse(new ResponseRules { Accepted = "$.status", AcceptedMatches = "(" }), $"{Format}.post.response.acceptedMatches");

    [Fact]
    public void Unknown_content_types_methods_and_kinds_are_refused()
    {
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { ContentType = "yaml" } }, $"{Format}.ping.contentType");
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { Method = "PATCH" } }, $"{Format}.post.method");
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { Method = "GET", ContentType = ContentTypes.Json } }, $"{Format}.ping.contentType");
        AssertRefused(PingResponse(new ResponseRules { Kind = "csv", Bid = "x" }), $"{Format}.ping.response.kind");
    }

    [Fact]
    public void Rules_that_cannot_work_are_refused()
    {
        AssertRefused(PingResponse(new ResponseRules { Accepted = "$.ok" }), $"{Format}.ping.response.bid");
        AssertRefused(PostResponse(new ResponseRules { Accepted = "$.ok", DefaultOutcome = DefaultOutcomes.Pass }), $"{Format}.post.response.defaultOutcome");
        AssertRefused(PostResponse(new ResponseRules { AcceptedWhen = "yes" }), $"{Format}.post.response.accepted");
        AssertRefused(PostResponse(new ResponseRules { Accepted = "$.ok", SuccessStatuses = [200, 99] }), $"{Format}.post.response.successStatuses[1]");
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { Meta = new() { ["price"] = "p" } } }, $"{Format}.ping.meta.price");
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { ContentType = ContentTypes.Xml, XmlRoot = "1lead" } }, $"{Format}.post.xmlRoot");
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { ContentType = ContentTypes.Xml, Rename = new() { ["zip"] = "zip code" } } },
            $"{Format}.post.rename.zip");
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat() }, $"{Format}.ping", ContractModes.DirectPost);
    }

    [Fact]
    public void Credentials_belong_in_auth_not_in_headers()
    {
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { Headers = new() { ["Authorization"] = "Basic abc" } } }, $"{Format}.post.headers.Authorization");
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { Headers = new() { ["X-Evil"] = "a\r\nHost: x" } } }, $"{Format}.post.headers.X-Evil");
    }

    [Fact]
    public void Auth_needs_its_secret_unless_one_is_stored()
    {
        AssertRefused(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Username = "acme" } }, $"{Format}.auth.password");
        AssertRefused(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Bearer } }, $"{Format}.auth.token");
        AssertRefused(new BuyerFormat { Auth = new BuyerAuth { Type = "digest" } }, $"{Format}.auth.type");
        AssertRefused(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Basic, Password = "pw" } }, $"{Format}.auth.username");
        Assert.Empty(Validate(new BuyerFormat { Auth = new BuyerAuth { Type = AuthTypes.Bearer, TokenSet = true } }));
    }

    [Fact]
    public void Error_messages_never_repeat_a_secret()
    {
        var errors = Validate(new BuyerFormat
        {
            Ping = new PhaseFormat { Template = "{{ broken" },
            Auth = new BuyerAuth { Type = AuthTypes.Bearer, Token = "tok secret-value" },
        });

        Assert.Contains(errors, e => e.Path == $"{Format}.auth.token");
        Assert.All(errors, e => Assert.DoesNotContain("secret-value", e.Message));
    }

    [Fact]
    public void An_authorization_header_in_clear_text_is_refused_one_over_secrets_is_not()
    {
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { Headers = new() { ["Authorization"] = "Basic YWNtZTpwdw==" } } },
            $"{Format}.ping.headers.Authorization");
        Assert.Empty(Validate(new BuyerFormat
        {
            Secrets = new() { ["pw"] = "x" },
            Ping = new PhaseFormat { Headers = new() { ["Authorization"] = "Basic {{ secrets.pw | base64 }}" } },
        }));
    }

    [Fact]
    public void A_template_naming_an_undefined_secret_is_refused()
    {
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { Headers = new() { ["X-Key"] = "{{ secrets.nope }}" } } }, $"{Format}.secrets");
    }

    [Fact]
    public void Captured_values_are_known_only_to_the_post()
    {
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { Meta = new() { ["captured.id"] = "Id" } } }, $"{Format}.ping.meta.captured.id");
        Assert.Empty(Validate(new BuyerFormat { Post = new PhaseFormat { Meta = new() { ["captured.id"] = "Lead_ID" } } }));
    }

    [Fact]
    public void A_multi_bid_rule_reads_the_bid_from_each_bid()
    {
        AssertRefused(PingResponse(new ResponseRules { Bids = "$.bids", Bid = "$.price" }), $"{Format}.ping.response.bid");
        AssertRefused(PingResponse(new ResponseRules { Capture = new() { ["id"] = "@.id" }, Bid = "$.price" }), $"{Format}.ping.response.capture.id");
        AssertRefused(PingResponse(new ResponseRules { Kind = ResponseKinds.Regex, Bids = "x(y)", Bid = "p=(\\d+)" }), $"{Format}.ping.response.bids");
        Assert.Empty(Validate(PingResponse(new ResponseRules { Bids = "$.bids", Bid = "@.price", Capture = new() { ["bid_id"] = "@.id", ["ping"] = "$.ping_id" } })));
    }

    [Fact]
    public void A_ping_field_list_names_only_the_campaigns_non_personal_fields()
    {
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { Fields = ["email"] } }, $"{Format}.ping.fields");
        AssertRefused(new BuyerFormat { Post = new PhaseFormat { Fields = ["shoe_size"] } }, $"{Format}.post.fields");
        Assert.Empty(Validate(new BuyerFormat { Ping = new PhaseFormat { Fields = ["zip", "state"] }, Post = new PhaseFormat { Fields = ["email", "zip"] } }));
    }

    [Fact]
    public void Fields_nest_only_where_the_body_can_nest()
    {
        AssertRefused(new BuyerFormat { Ping = new PhaseFormat { ContentType = ContentTypes.Form, FieldsUnder = "lead" } }, $"{Format}.ping.fieldsUnder");
        Assert.Empty(Validate(new BuyerFormat { Ping = new PhaseFormat { ContentType = ContentTypes.Xml, FieldsUnder = "Lead" } }));
    }

    [Fact]
    public void A_url_template_may_fill_the_path_or_query_but_never_the_host()
    {
        var contract = TestWorkspace.PingPost("c1", "auto", "http://b.example/ping", "http://{{ captured.host }}/post");
        var doc = new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign("auto")], Buyers = [TestWorkspace.Buyer("b1", contract)] };
        Assert.Contains(WorkspaceValidator.Validate(doc, doc), e => e.Path == "$.buyers[0].contracts[0].postUrl");

        var ok = contract with { PostUrl = "http://b.example/leads/{{ captured.lead_token }}/post" };
        doc = doc with { Buyers = [TestWorkspace.Buyer("b1", ok)] };
        Assert.Empty(WorkspaceValidator.Validate(doc, doc));
    }

    [Fact]
    public void An_agreed_price_lets_a_ping_rule_have_no_bid_and_max_bids_hold_it()
    {
        var noBid = PingResponse(new ResponseRules { Accepted = "$.status", AcceptedWhen = "Matched" });
        AssertRefused(noBid, $"{Format}.ping.response.bid");
        var contract = TestWorkspace.PingPost("c1", "auto", "http://b.example/ping", "http://b.example/post") with { Price = 18m, Format = noBid };
        var doc = new WorkspaceDocument { Campaigns = [TestWorkspace.Campaign("auto")], Buyers = [TestWorkspace.Buyer("b1", contract)] };
        Assert.Empty(WorkspaceValidator.Validate(doc, doc));

        doc = doc with { Campaigns = [TestWorkspace.Campaign("auto") with { MaxBid = 15m }] };
        Assert.Contains(WorkspaceValidator.Validate(doc, doc), e => e.Path == "$.buyers[0].contracts[0].price");
    }
}
