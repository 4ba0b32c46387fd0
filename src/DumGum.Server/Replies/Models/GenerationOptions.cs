using Microsoft.Extensions.Options;

namespace DumGum.Replies.Models;

/// <summary>Who writes the replies: the built-in offline engine, or any OpenAI-compatible chat completions server.</summary>
public enum GenerationProvider
{
    Offline,
    OpenAI,
}

/// <summary>
/// The <c>Generation</c> configuration section: the model server, the resilience settings, and the logical
/// <c>chatModel</c> names the API accepts with what each one maps to (docs/models.md, "Logical chat models"). See docs/models.md.
/// </summary>
public sealed class GenerationOptions
{
    public const string Section = "Generation";

    /// <summary>The names that always exist (unless configured differently); <c>dating-smart-1</c> is the default <c>chatModel</c>.</summary>
    public static readonly IReadOnlyList<string> BuiltInModels = [DefaultChatModel, "chat-2-smart", "chat-2-pro"];

    /// <summary>The <c>chatModel</c> of a request that names none.</summary>
    public const string DefaultChatModel = "dating-smart-1";

    public GenerationProvider Provider { get; set; } = GenerationProvider.Offline;

    /// <summary>Base URL of the OpenAI-compatible API, including <c>/v1</c> (e.g. <c>http://127.0.0.1:8080/v1</c>).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Bearer key for the model server; optional for local servers. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Time allowed for one model HTTP call (each retry gets its own).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of one model call on transient errors (HTTP 408/429/5xx, network errors, timeouts).</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; doubles per retry, with full jitter, capped at 8 s. <c>Retry-After</c> wins when larger.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Input + output tokens a project may use per UTC day on this node; 0 = unlimited.</summary>
    public long DailyTokenBudgetPerProject { get; set; }

    /// <summary>Logical <c>chatModel</c> name → settings. Names compare case-insensitively.</summary>
    public Dictionary<string, ChatModelOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Fills what configuration left out. Runs after binding (binding merges into anything pre-filled, so the defaults
    /// are added here and only where nothing was configured): the built-in names when absent, and
    /// <see cref="ChatModelOptions.BackendModel"/> = the logical name when unset.
    /// </summary>
    public static void ApplyDefaults(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Models.Comparer != StringComparer.OrdinalIgnoreCase)
            options.Models = new Dictionary<string, ChatModelOptions>(options.Models, StringComparer.OrdinalIgnoreCase);
        foreach (var name in BuiltInModels)
            options.Models.TryAdd(name, new ChatModelOptions());
        foreach (var (name, model) in options.Models)
            if (string.IsNullOrWhiteSpace(model.BackendModel)) model.BackendModel = name;
    }
}

/// <summary>What one logical <c>chatModel</c> maps to.</summary>
public sealed class ChatModelOptions
{
    /// <summary>The model name sent to the server (<c>model</c> in the request). Default: the logical name itself.</summary>
    public string? BackendModel { get; set; }

    /// <summary>The model's context window; the prompt builder keeps prompt + output within it.</summary>
    public int ContextTokens { get; set; } = 8192;

    public int MaxOutputTokens { get; set; } = 400;

    /// <summary>The model accepts images (needed by the Vision features).</summary>
    public bool Vision { get; set; }

    /// <summary>Price per million input (prompt) tokens, in the currency of <c>cost</c>.</summary>
    public decimal InputPricePerMillion { get; set; }

    /// <summary>Price per million output (completion) tokens.</summary>
    public decimal OutputPricePerMillion { get; set; }

    public float? Temperature { get; set; }
    public float? TopP { get; set; }

    /// <summary>
    /// Ask for <c>response_format: {"type": "json_object"}</c>. Set false for servers without JSON mode; the prompt still
    /// asks for JSON and the parser accepts plain text. A server that rejects the field is also detected at run time.
    /// </summary>
    public bool JsonMode { get; set; } = true;

    /// <summary>
    /// Send the output cap as <c>max_tokens</c> (Ollama, older llama.cpp) instead of <c>max_completion_tokens</c>
    /// (OpenAI, vLLM, current llama.cpp).
    /// </summary>
    public bool LegacyMaxTokens { get; set; }
}

/// <summary>Checked at start: a misconfigured model server fails the start, not the first conversation.</summary>
public sealed class GenerationOptionsValidator : IValidateOptions<GenerationOptions>
{
    public ValidateOptionsResult Validate(string? name, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Provider))
            errors.Add("Generation:Provider must be Offline or OpenAI");
        if (options.Provider == GenerationProvider.OpenAI)
        {
            if (string.IsNullOrWhiteSpace(options.Endpoint))
                errors.Add("Generation:Endpoint is required when Generation:Provider is OpenAI (e.g. http://127.0.0.1:8080/v1)");
            else if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                errors.Add($"Generation:Endpoint must be an absolute http(s) URL, got '{options.Endpoint}'");
        }
        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(10))
            errors.Add("Generation:RequestTimeout must be between 00:00:00.001 and 00:10:00");
        if (options.MaxRetries is < 0 or > 10)
            errors.Add("Generation:MaxRetries must be between 0 and 10");
        if (options.RetryBaseDelay < TimeSpan.Zero || options.RetryBaseDelay > TimeSpan.FromMinutes(1))
            errors.Add("Generation:RetryBaseDelay must be between 00:00:00 and 00:01:00");
        if (options.DailyTokenBudgetPerProject < 0)
            errors.Add("Generation:DailyTokenBudgetPerProject must be 0 (unlimited) or more");
        if (options.Models.Count == 0)
            errors.Add("Generation:Models must name at least one chat model");
        foreach (var (model, m) in options.Models)
        {
            var at = $"Generation:Models:{model}";
            if (model.Length is 0 or > 64 || model.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                errors.Add($"{at}: a chat model name is 1-64 characters without spaces");
            if (m is null) { errors.Add($"{at}: no settings"); continue; }
            if (string.IsNullOrWhiteSpace(m.BackendModel)) errors.Add($"{at}:BackendModel is required");
            if (m.ContextTokens is < 256 or > 10_000_000) errors.Add($"{at}:ContextTokens must be between 256 and 10000000");
            if (m.MaxOutputTokens < 1 || m.MaxOutputTokens >= m.ContextTokens)
                errors.Add($"{at}:MaxOutputTokens must be at least 1 and less than ContextTokens");
            if (m.InputPricePerMillion < 0 || m.OutputPricePerMillion < 0) errors.Add($"{at}: prices cannot be negative");
            if (m.Temperature is < 0 or > 2) errors.Add($"{at}:Temperature must be between 0 and 2");
            if (m.TopP is <= 0 or > 1) errors.Add($"{at}:TopP must be greater than 0 and at most 1");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
