using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Webhooks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DumGum;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, complete enough to generate a working client (docs/behaviour.md,
/// "The OpenAPI document"): the two bearer schemes (access key, admin token) on every operation, problem details with
/// <c>errors</c>, and a <c>webhooks</c> section describing every event DumGum POSTs to the Incoming Content endpoint.
/// </summary>
public static class OpenApiDescription
{
    public const string AccessKeyScheme = "accessKey", AdminTokenScheme = "adminToken";

    public static IServiceCollection AddDumGumOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
        o.AddDocumentTransformer(async (document, context, cancellationToken) =>
        {
            document.Info.Title = "DumGum";
            document.Info.Version = "2.0";
            AddSecurity(document);
            DescribeProblems(document);
            await AddWebhooksAsync(document, context, cancellationToken);
        }));

    static void AddSecurity(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[AccessKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "Access Key",
            Description = "A project's access key (sk-proj-…), created with the admin API: Authorization: Bearer sk-proj-…",
        };
        document.Components.SecuritySchemes[AdminTokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "Admin Token",
            Description = "The operator's admin token (Admin:Token, or the dgadm_… token printed at the first start).",
        };
        foreach (var (path, item) in document.Paths)
        {
            var scheme = path.StartsWith("/admin/", StringComparison.Ordinal) ? AdminTokenScheme
                : path.StartsWith("/cs/", StringComparison.Ordinal) ? AccessKeyScheme : null;
            if (scheme is null || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] }];
        }
    }

    /// <summary>Every non-2xx answer: RFC 9457 problem+json plus <c>traceId</c>, <c>errors</c> and, on some, more members (a 409's <c>stopReason</c>).</summary>
    static void DescribeProblems(OpenApiDocument document)
    {
        document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas["ProblemDetails"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details (application/problem+json). Validation problems list every broken rule in errors.",
            Required = new HashSet<string> { "type", "title", "status", "traceId" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "urn:dumgum:problem:<slug>, e.g. urn:dumgum:problem:validation" },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "JSON path of each broken field (\"$\" for the body as a whole) → the rules it breaks.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
                ["stopReason"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "409 conversation-stopped only: the stop reason in force." },
                ["stoppedUntil"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "409 conversation-stopped only: the end of the ban, null when permanent." },
            },
        };
    }

    static async Task AddWebhooksAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components!.Schemas!;
        if (!schemas.ContainsKey(nameof(AnswerDocument)))
            document.AddComponent(nameof(AnswerDocument), await context.GetOrCreateSchemaAsync(typeof(AnswerDocument), null, cancellationToken));
        var conversation = new Dictionary<string, IOpenApiSchema>
        {
            ["projectId"] = String(),
            ["userProfileId"] = String(),
            ["personaProfileId"] = String(),
            ["tags"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The tags of the newest enqueue the run served, exactly as sent." },
        };
        string[] conversationFields = ["projectId", "userProfileId", "personaProfileId", "tags"];
        Add(document, Events.AnswerProcessing, "AnswerProcessingEvent",
            "A run started writing a reply (and, with a typing delay, before each later part): show a typing indicator.",
            new OpenApiSchema { Type = JsonSchemaType.Object, Required = new HashSet<string>(conversationFields), Properties = conversation });
        Add(document, Events.AnswerCreated, "AnswerCreatedEvent",
            "An answer (one part of a split reply) is ready; parts of one conversation arrive strictly in order.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "projectId", "answer" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["projectId"] = String(),
                    ["answer"] = new OpenApiSchemaReference(nameof(AnswerDocument), document),
                },
            });
        Add(document, Events.ConversationDropped, "ConversationDroppedEvent",
            "No answer will come for the enqueues a run served: re-enqueue or ignore.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>([.. conversationFields, "reason"]),
                Properties = new Dictionary<string, IOpenApiSchema>(conversation)
                {
                    ["reason"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Enum = [DropReasons.Timeout, DropReasons.GenerationFailed, DropReasons.CustomerEndpointFailed, DropReasons.InvalidProfile],
                    },
                },
            });
        Add(document, Replies.Vision.ImageRejected.Event, "ChatImageRejectedEvent",
            "A picture the user shared failed Vision Link moderation; it was left out of the reply. Sent before that run's answer.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "projectId", "sourceProfileId", "pictureUrl", "reason" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["projectId"] = String(),
                    ["sourceProfileId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The user who shared the picture." },
                    ["pictureUrl"] = String(),
                    ["reason"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. Replies.Vision.PictureAnalyser.Reasons.Select(r => (JsonNode)r)] },
                },
            });
    }

    static OpenApiSchema String() => new() { Type = JsonSchemaType.String };

    /// <summary>One event: its envelope schema in components, and a webhook whose POST carries it, signed per Standard Webhooks.</summary>
    static void Add(OpenApiDocument document, string eventName, string schemaName, string summary, OpenApiSchema data)
    {
        document.AddComponent(schemaName, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "event", "data" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["event"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(eventName)] },
                ["data"] = data,
            },
        });
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks[eventName] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new()
                {
                    OperationId = "webhook-" + eventName.Replace('.', '-'),
                    Summary = summary,
                    Description = "POSTed to the project's Incoming Content endpoint. Any 2xx accepts it; other answers are retried " +
                                  "(answer events until the run's deadline, conversation.dropped for 24 hours); 410 Gone disables the endpoint.",
                    Tags = new HashSet<OpenApiTagReference> { new("webhooks", document) },
                    Parameters =
                    [
                        Header("webhook-id", "The event's id, the same on every attempt: your de-duplication key."),
                        Header("webhook-timestamp", "Unix seconds of this attempt."),
                        Header("webhook-signature", "v1,<base64 HMAC-SHA256 of \"id.timestamp.body\"> with the project's webhook secret (two entries, space-separated, during a rotation)."),
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = new OpenApiSchemaReference(schemaName, document) },
                        },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["2XX"] = new OpenApiResponse { Description = "Accepted." },
                        ["410"] = new OpenApiResponse { Description = "Gone: the endpoint is disabled until an operator enables it again." },
                        ["default"] = new OpenApiResponse { Description = "Not accepted: the event is retried." },
                    },
                },
            },
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        if (!document.Tags.Any(t => t.Name == "webhooks"))
            document.Tags.Add(new OpenApiTag { Name = "webhooks", Description = "Events DumGum sends to the customer's Incoming Content endpoint." });
    }

    static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name, In = ParameterLocation.Header, Required = true, Description = description, Schema = String(),
    };
}
