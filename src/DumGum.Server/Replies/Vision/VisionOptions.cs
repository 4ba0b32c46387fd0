using DumGum.Replies.Models;
using Microsoft.Extensions.Options;

namespace DumGum.Replies.Vision;

/// <summary>
/// The <c>Vision</c> configuration section (docs/behaviour.md, "Vision Link"): which chat model describes and moderates
/// pictures, and how long an analysis is kept when the picture's host says nothing.
/// </summary>
public sealed class VisionOptions
{
    public const string Section = "Vision";

    /// <summary>
    /// The logical <c>chatModel</c> (a <c>Generation:Models</c> name configured with <c>Vision: true</c>) that analyses
    /// pictures. Unset: the first vision-capable model of the catalogue, in its order. None: Vision Link is skipped.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>How long an analysis is kept when the picture's HEAD gives no <c>Cache-Control</c> (or fails).</summary>
    public TimeSpan DefaultCacheAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest an analysis is kept, whatever <c>max-age</c> says: bounds the cache.</summary>
    public TimeSpan MaxCacheAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Time allowed for the HEAD request that reads a picture's <c>Cache-Control</c>.</summary>
    public TimeSpan HeadTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checked at start: a named vision model must exist and be configured as vision-capable.</summary>
public sealed class VisionOptionsValidator(IOptions<GenerationOptions> generation) : IValidateOptions<VisionOptions>
{
    public ValidateOptionsResult Validate(string? name, VisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.DefaultCacheAge < TimeSpan.Zero) errors.Add("Vision:DefaultCacheAge cannot be negative");
        if (options.MaxCacheAge < options.DefaultCacheAge) errors.Add("Vision:MaxCacheAge must be at least Vision:DefaultCacheAge");
        if (options.HeadTimeout <= TimeSpan.Zero || options.HeadTimeout > TimeSpan.FromSeconds(30))
            errors.Add("Vision:HeadTimeout must be between 00:00:00.001 and 00:00:30");
        if (!string.IsNullOrWhiteSpace(options.Model))
        {
            if (!generation.Value.Models.TryGetValue(options.Model, out var model))
                errors.Add($"Vision:Model '{options.Model}' is not a Generation:Models name");
            else if (!model.Vision)
                errors.Add($"Vision:Model '{options.Model}' is not configured with Vision: true");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
