using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace DumGum.Fuzzing;

/// <summary>One fuzzed request body: the endpoint it is for, its bytes, and what was done to it (for failure reports).</summary>
public sealed record FuzzBody(string Endpoint, byte[] Bytes, string Mutation)
{
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Bytes);
        return $"{Endpoint} [{Mutation}] {(text.Length > 600 ? text[..600] + "…" : text)}";
    }
}

/// <summary>
/// Generates request bodies for DumGum's JSON endpoints from their schemas (enqueue, generate, suggestion, admin project
/// create and patch), then mutates them the ways hostile or broken clients do: invalid UTF-8, lone surrogates in values
/// and names, duplicate names, deep nesting, huge numbers, wrong types, truncation, flipped bytes, non-JSON syntax.
/// Shared by the test suite's short run and bench/Fuzz's long run (issue 9, point 10).
/// </summary>
public static class BodyFuzzer
{
    public const string Enqueue = "enqueue", Generate = "generate", Suggestion = "suggestion", CreateProject = "create-project", PatchProject = "patch-project";

    public static readonly string[] Endpoints = [Enqueue, Generate, Suggestion, CreateProject, PatchProject];

    /// <summary>The request path of an endpoint (<c>{project}</c> stands for the project being patched).</summary>
    public static string Path(string endpoint) => endpoint switch
    {
        Enqueue => "/cs/v1/content_creation/conversations/enqueue",
        Generate => "/cs/v1/content_creation/conversations/generate",
        Suggestion => "/cs/v1/content_creation/suggestion",
        CreateProject => "/admin/v1/projects",
        PatchProject => "/admin/v1/projects/{project}",
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
    };

    public static string Method(string endpoint) => endpoint == PatchProject ? "PATCH" : "POST";

    public static bool IsAdmin(string endpoint) => endpoint is CreateProject or PatchProject;

    // ------------------------------------------------------------------ values from the schemas

    static Gen<JsonNode?> Node<T>(Gen<T> gen) => gen.Select(v => (JsonNode?)JsonValue.Create(v));

    /// <summary>Random text that the JSON writer can write (lone surrogates come from the mutations, as raw bytes).</summary>
    static readonly Gen<string> RandomText = Gen.String[0, 24].Select(s => string.Create(s.Length, s, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < source.Length && char.IsLowSurrogate(source[i + 1])
                : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(source[i - 1]);
            span[i] = char.IsSurrogate(c) && !paired ? '?' : c;
        }
    }));

    static readonly Gen<double> Finite = Gen.Double.Select(d => double.IsFinite(d) ? d : 0);

    static readonly Gen<JsonNode?> Text = Gen.OneOf<JsonNode?>(
        Node(Gen.OneOf("u-1", "p-1", "hello", "", " ", "Marta", "ça va? 😀", "a\u0000b", "\u202Eevil", "x".PadRight(300, 'x'))),
        Node(RandomText));

    static readonly Gen<JsonNode?> Id = Mostly(Node(Gen.OneOf("u-1", "u-2", "p-1", "p-2")), Gen.OneOf<JsonNode?>(Node(Gen.OneOf("", "\t", "u\u0001")), Text));

    static readonly Gen<JsonNode?> Language = Mostly(Node(Gen.OneOf("EN", "en", "FR", "DE_CH", "EN_UK")), Gen.OneOf<JsonNode?>(Node(Gen.OneOf("XX", "")), Text));

    static readonly Gen<JsonNode?> Integer = Gen.OneOf<JsonNode?>(
        Node(Gen.Int[-5, 4000]), Node(Gen.Long), Node(Gen.OneOf("5", "60", " 7 ", "1e3", "x")), Node(Finite));

    static readonly Gen<JsonNode?> Boolean = Gen.OneOf<JsonNode?>(Node(Gen.Bool), Node(Gen.OneOf("true", "yes")));

    static readonly Gen<JsonNode?> Date = Node(Gen.OneOf("2025-04-02T17:05:00Z", "2025-04-02", "yesterday", "1990-01-01", ""));

    static readonly Gen<JsonNode?> Url = Mostly(Node(Gen.OneOf("http://127.0.0.1:9/p", "https://example.com/x", "https://bücher.example/p")),
        Node(Gen.OneOf("ftp://x/y", "not a url", "http://user@h/x#f", "", "https://example.com/a b")));

    static readonly Gen<JsonNode?> Scalar = Gen.OneOf<JsonNode?>(Text, Integer, Boolean, Gen.Const((JsonNode?)null));

    /// <summary>An object with each field present or not, in the schema's order; the first <paramref name="required"/> always.</summary>
    static Gen<JsonNode?> Obj(int required, params (string Name, Gen<JsonNode?> Value)[] fields) =>
        Gen.Select(Gen.Bool.Array[fields.Length], GenArray([.. fields.Select(f => f.Value)]), (present, values) =>
        {
            var o = new JsonObject();
            for (var i = 0; i < fields.Length; i++)
                if (present[i] || i < required) o[fields[i].Name] = values[i];
            return (JsonNode?)o;
        });

    static Gen<JsonNode?> Obj(params (string Name, Gen<JsonNode?> Value)[] fields) => Obj(0, fields);

    /// <summary>Mostly a value the rules accept, sometimes anything.</summary>
    static Gen<JsonNode?> Mostly(Gen<JsonNode?> valid, Gen<JsonNode?> any) => Gen.Frequency((4, (IGen<JsonNode?>)valid), (1, any));

    static Gen<JsonNode?[]> GenArray(Gen<JsonNode?>[] gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<JsonNode?>()), (acc, g) => Gen.Select(acc, g, (a, v) => (JsonNode?[])[.. a, v]));

    static Gen<JsonNode?> Arr(Gen<JsonNode?> item, int max) => item.Array[0, max].Select(items => (JsonNode?)new JsonArray(items));

    static readonly Gen<JsonNode?> Tags = Gen.Select(RandomText.Array[0, 6], Scalar.Array[6], (keys, values) =>
    {
        var o = new JsonObject();
        for (var i = 0; i < keys.Length; i++) o[keys[i]] = values[i];
        return (JsonNode?)o;
    });

    static readonly Gen<JsonNode?> ReplyParameters = Obj(
        ("bufferSeconds", Mostly(Node(Gen.Int[0, 60]), Integer)),
        ("maxProcessingTimeSeconds", Mostly(Node(Gen.Int[10, 3600]), Integer)),
        ("chatModel", Node(Gen.OneOf("dating-smart-1", "nope"))),
        ("multipleMessagesPerReply", Boolean),
        ("multipleMessagesPerReplyFrequency", Gen.OneOf<JsonNode?>(Node(Finite), Integer)),
        ("typingSpeed", Node(Gen.OneOf("FAST", "NORMAL", "INSTANT", "x"))),
        ("guardrails", Obj(("aiSuspicion", Boolean), ("aiSuspicionOptionSet", Obj(("answer", Boolean), ("banDurations", Arr(Integer, 5)))))),
        ("personaProfileOverrides", Obj(("firstName", Text), ("sexualDrive", Text))));

    static readonly Gen<JsonNode?> Profile = Obj(2,
        ("id", Id), ("firstName", Mostly(Node(Gen.OneOf("Tomas", "Marta", "Ana")), Text)), ("nickname", Text), ("birthdate", Date),
        ("gender", Node(Gen.OneOf("MAN", "WOMAN", "NON_BINARY", "x"))), ("timeZone", Node(Gen.OneOf("Europe/Madrid", "Mars/Base", ""))),
        ("features", Obj(("hairColor", Text), ("interests", Arr(Text, 4)))), ("description", Text));

    static readonly Gen<JsonNode?> Message = Obj(
        ("sender", Node(Gen.OneOf("USER", "PERSONA", "BOT"))), ("date", Date), ("id", Id), ("text", Text),
        ("poke", Boolean), ("pictureUrls", Arr(Url, 2)), ("type", Node(Gen.OneOf("TEXT", "ACTION_POKE"))));

    static readonly Gen<JsonNode?> Turn = Obj(
        ("role", Node(Gen.OneOf("USER", "PERSONA", "ASSISTANT"))), ("content", Text), ("createdAt", Date));

    static readonly Gen<JsonNode?> Headers = Gen.Select(Gen.OneOf("X-Api-Key", "Host", "Bad Name", "X-É").Array[0, 3], Text.Array[3], (names, values) =>
    {
        var o = new JsonObject();
        for (var i = 0; i < names.Length; i++) o[names[i]] = values[i];
        return (JsonNode?)o;
    });

    static Gen<JsonNode?> Schema(string endpoint) => endpoint switch
    {
        Enqueue => Obj(3, ("userProfileId", Id), ("personaProfileId", Id), ("language", Language), ("replyParameters", ReplyParameters),
            ("tags", Tags), ("additionalLanguages", Arr(Language, 3)), ("userProfileVersion", Text), ("testMode", Boolean)),
        Generate => Obj(3, ("userProfile", Profile), ("personaProfile", Profile), ("language", Language), ("messages", Arr(Message, 4)),
            ("testMode", Node(Gen.Const(true))), ("tags", Tags), ("replyParameters", ReplyParameters)),
        Suggestion => Obj(3, ("userProfile", Profile), ("personaProfile", Profile), ("language", Language), ("messages", Arr(Turn, 4)),
            ("testMode", Node(Gen.Const(true)))),
        CreateProject => Obj(4, ("name", Mostly(Node(Gen.OneOf("My app", "Test")), Text)), ("profileEndpointUrl", Url), ("chatHistoryEndpointUrl", Url), ("incomingContentEndpointUrl", Url),
            ("customHeaders", Headers), ("defaultReplyParameters", ReplyParameters),
            ("rateLimit", Obj(("requestsPerSecond", Integer), ("burst", Integer))), ("smartShareEnabled", Boolean)),
        PatchProject => Obj(("name", Mostly(Node(Gen.OneOf("Renamed", "Again")), Text)), ("defaultReplyParameters", ReplyParameters), ("customHeaders", Headers),
            ("profileEndpointUrl", Url), ("rotateWebhookSecret", Boolean), ("incomingContentEndpointEnabled", Boolean), ("smartShareEnabled", Boolean)),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
    };

    // ------------------------------------------------------------------ mutations

    const string Mark = "\u0001MUT\u0001";
    const string NameMark = "\u0002NAME\u0002";

    static readonly string[] Mutations =
    [
        "none", "none", "lone-surrogate", "invalid-utf8", "encoded-surrogate", "duplicate-name", "deep-nesting", "huge-number",
        "wrong-type", "bad-name", "truncate", "flip-byte", "wrong-root", "bad-syntax",
    ];

    static readonly string[] HugeNumbers = ["1e400", "-1e999", "123456789012345678901234567890", "1" + new string('0', 400), "4e-400", "-0", "9223372036854775808"];
    static readonly string[] OtherTypes = ["[]", "{}", "true", "null", "\"s\"", "0", "1.5", "[1,\"a\",null]", "{\"x\":[]}"];
    static readonly string[] Roots = ["[]", "\"body\"", "42", "null", "true", "", " ", "[{}]"];

    /// <summary>Bodies for one endpoint: schema-shaped, then (mostly) mutated.</summary>
    public static Gen<FuzzBody> Bodies(string endpoint) =>
        Gen.Select(Schema(endpoint), Gen.Int[0, Mutations.Length - 1], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue],
            (node, kind, where, how) => Mutate(endpoint, node!, Mutations[kind], where, how));

    static FuzzBody Mutate(string endpoint, JsonNode root, string mutation, int where, int how)
    {
        var slots = new List<(JsonNode Parent, string? Name, int Index)>();
        Collect(root, slots);
        byte[] Splice(string marker, byte[] replacement)
        {
            var text = root.ToJsonString();
            var escaped = marker == Mark ? "\"\\u0001MUT\\u0001\"" : "\"\\u0002NAME\\u0002\"";
            var at = text.IndexOf(escaped, StringComparison.Ordinal);
            if (at < 0) return Encoding.UTF8.GetBytes(text);
            return [.. Encoding.UTF8.GetBytes(text[..at]), .. replacement, .. Encoding.UTF8.GetBytes(text[(at + escaped.Length)..])];
        }
        void SetValue()
        {
            if (slots.Count == 0) return;
            var (parent, name, index) = slots[where % slots.Count];
            if (name is not null) parent[name] = Mark;
            else parent[index] = Mark;
        }
        static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

        byte[] bytes;
        switch (mutation)
        {
            case "lone-surrogate":
                SetValue();
                bytes = Splice(Mark, Ascii(how % 2 == 0 ? "\"a\\ud800\"" : "\"\\udfff b\""));
                break;
            case "invalid-utf8":
                SetValue();
                bytes = Splice(Mark, [(byte)'"', 0xC3, 0x28, 0xFF, (byte)'"']);
                break;
            case "encoded-surrogate":
                SetValue();
                bytes = Splice(Mark, [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"']);
                break;
            case "duplicate-name":
            {
                var objects = slots.Select(s => s.Parent).OfType<JsonObject>().Distinct().Where(o => o.Count > 0).ToList();
                if (root is JsonObject r && r.Count > 0) objects.Add(r);
                if (objects.Count == 0) { bytes = Encoding.UTF8.GetBytes(root.ToJsonString()); break; }
                var target = objects[where % objects.Count];
                var existing = target.ElementAt(how % target.Count).Key;
                target[NameMark] = 1;
                bytes = Splice(NameMark, Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(existing)));
                break;
            }
            case "deep-nesting":
            {
                SetValue();
                var depth = 1 + how % 200;
                var open = how % 3 == 0 ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) : new string('[', depth);
                var close = how % 3 == 0 ? new string('}', depth) : new string(']', depth);
                bytes = Splice(Mark, Ascii(open + "1" + close));
                break;
            }
            case "huge-number":
                SetValue();
                bytes = Splice(Mark, Ascii(HugeNumbers[how % HugeNumbers.Length]));
                break;
            case "wrong-type":
                SetValue();
                bytes = Splice(Mark, Ascii(OtherTypes[how % OtherTypes.Length]));
                break;
            case "bad-name":
            {
                if (root is not JsonObject r) { bytes = Encoding.UTF8.GetBytes(root.ToJsonString()); break; }
                var objects = slots.Select(s => s.Parent).OfType<JsonObject>().Append(r).Distinct().ToList();
                objects[where % objects.Count][NameMark] = 1;
                bytes = Splice(NameMark, (how % 3) switch
                {
                    0 => Ascii("\"\\ud800\""),
                    1 => [(byte)'"', 0xFE, 0xFF, (byte)'"'],
                    _ => Ascii("\"a\\udc00b\""),
                });
                break;
            }
            case "truncate":
            {
                var full = Encoding.UTF8.GetBytes(root.ToJsonString());
                bytes = full[..(how % Math.Max(1, full.Length))];
                break;
            }
            case "flip-byte":
            {
                bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                if (bytes.Length > 0) bytes[where % bytes.Length] = (byte)(how % 256);
                break;
            }
            case "wrong-root":
                bytes = Ascii(Roots[how % Roots.Length]);
                break;
            case "bad-syntax":
            {
                var text = root.ToJsonString();
                bytes = Encoding.UTF8.GetBytes((how % 3) switch
                {
                    0 => text.Length > 1 ? text[..^1] + ",}" : text + ",",
                    1 => "/* comment */" + text,
                    _ => text.Replace("\"", "'", StringComparison.Ordinal),
                });
                break;
            }
            default:
                bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                break;
        }
        return new FuzzBody(endpoint, bytes, mutation);
    }

    static void Collect(JsonNode node, List<(JsonNode Parent, string? Name, int Index)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    slots.Add((o, name, -1));
                    if (child is not null) Collect(child, slots);
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i));
                    if (a[i] is { } child) Collect(child, slots);
                }
                break;
        }
    }
}
