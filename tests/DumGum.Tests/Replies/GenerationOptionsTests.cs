using DumGum.Replies.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DumGum.Tests.Replies;

public sealed class GenerationOptionsTests
{
    /// <summary>The options and catalog exactly as the server builds them, from in-memory configuration.</summary>
    static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddReplyEngine();
        return services.BuildServiceProvider();
    }

    static GenerationOptions Bind(Dictionary<string, string?> settings)
    {
        using var sp = Services(settings);
        return sp.GetRequiredService<IOptions<GenerationOptions>>().Value;
    }

    static ModelCatalog Catalog(Dictionary<string, string?> settings)
    {
        using var sp = Services(settings);
        return sp.GetRequiredService<ModelCatalog>();
    }

    [Fact]
    public void Defaults_are_offline_with_the_three_built_in_models()
    {
        var o = Bind([]);
        Assert.Equal(GenerationProvider.Offline, o.Provider);
        Assert.Equal(TimeSpan.FromSeconds(60), o.RequestTimeout);
        Assert.Equal(2, o.MaxRetries);
        Assert.Equal(0, o.DailyTokenBudgetPerProject);
        Assert.Equal(["chat-2-pro", "chat-2-smart", "dating-smart-1"], o.Models.Keys.Order(StringComparer.Ordinal));
        var m = o.Models["dating-smart-1"];
        Assert.Equal("dating-smart-1", m.BackendModel);
        Assert.Equal(8192, m.ContextTokens);
        Assert.Equal(400, m.MaxOutputTokens);
        Assert.False(m.Vision);
        Assert.Equal(0m, m.InputPricePerMillion);
        Assert.True(m.JsonMode);
        Assert.Null(m.Temperature);
    }

    [Fact]
    public void Configured_fields_bind_and_the_rest_keeps_its_defaults()
    {
        var o = Bind(new()
        {
            ["Generation:Provider"] = "openai",
            ["Generation:Endpoint"] = "http://127.0.0.1:8080/v1",
            ["Generation:ApiKey"] = "secret",
            ["Generation:RequestTimeout"] = "00:00:30",
            ["Generation:MaxRetries"] = "4",
            ["Generation:DailyTokenBudgetPerProject"] = "5000000",
            ["Generation:Models:dating-smart-1:InputPricePerMillion"] = "0.15",
            ["Generation:Models:dating-smart-1:OutputPricePerMillion"] = "0.6",
            ["Generation:Models:chat-2-pro:BackendModel"] = "meta-llama/Llama-3.3-70B-Instruct",
            ["Generation:Models:chat-2-pro:ContextTokens"] = "32768",
            ["Generation:Models:chat-2-pro:Vision"] = "true",
            ["Generation:Models:chat-2-pro:Temperature"] = "0.9",
            ["Generation:Models:chat-2-pro:TopP"] = "0.95",
            ["Generation:Models:house-7:BackendModel"] = "qwen2.5:7b",
        });
        Assert.Equal(GenerationProvider.OpenAI, o.Provider);
        Assert.Equal(TimeSpan.FromSeconds(30), o.RequestTimeout);
        Assert.Equal(4, o.MaxRetries);
        Assert.Equal(5_000_000, o.DailyTokenBudgetPerProject);
        Assert.Equal(0.15m, o.Models["dating-smart-1"].InputPricePerMillion);
        Assert.Equal("dating-smart-1", o.Models["dating-smart-1"].BackendModel);
        Assert.Equal(8192, o.Models["dating-smart-1"].ContextTokens);
        var pro = o.Models["CHAT-2-PRO"];
        Assert.Equal("meta-llama/Llama-3.3-70B-Instruct", pro.BackendModel);
        Assert.Equal(32768, pro.ContextTokens);
        Assert.True(pro.Vision);
        Assert.Equal(0.9f, pro.Temperature);
        Assert.Equal(0.95f, pro.TopP);
        Assert.Equal(400, pro.MaxOutputTokens);
        Assert.Equal(4, o.Models.Count);
        Assert.Equal("chat-2-smart", o.Models["chat-2-smart"].BackendModel);
    }

    [Fact]
    public void The_catalog_lists_built_in_names_first_and_resolves_case_insensitively()
    {
        var catalog = Catalog(new()
        {
            ["Generation:Models:zeta-1:BackendModel"] = "z",
            ["Generation:Models:alpha-2:BackendModel"] = "a",
            ["Generation:Models:chat-2-smart:InputPricePerMillion"] = "3",
        });
        Assert.Equal(["dating-smart-1", "chat-2-smart", "chat-2-pro", "alpha-2", "zeta-1"], catalog.Names);
        var profile = catalog.Resolve("Chat-2-Smart");
        Assert.Equal("chat-2-smart", profile.Name);
        Assert.Equal("chat-2-smart", profile.BackendModel);
        Assert.Equal(3m, profile.InputPricePerMillion);
        Assert.Equal("a", catalog.Resolve("alpha-2").BackendModel);
        var unknown = Assert.Throws<UnknownChatModelException>(() => catalog.Resolve("gpt-x"));
        Assert.Contains("dating-smart-1, chat-2-smart, chat-2-pro, alpha-2, zeta-1", unknown.Message, StringComparison.Ordinal);
        Assert.False(catalog.TryResolve(null, out _));
    }

    [Theory]
    [InlineData(1_000_000, 0, "2.5000")]
    [InlineData(0, 1_000_000, "10.0000")]
    [InlineData(12345, 678, "0.0376")]
    [InlineData(20, 0, "0.0001")]     // 0.00005 rounds away from zero
    [InlineData(19, 0, "0.0000")]
    [InlineData(0, 0, "0.0000")]
    public void Cost_is_usage_times_price_per_million_rounded_to_4_decimals(long input, long output, string expected)
    {
        var profile = new ModelProfile("m", "m", 8192, 400, false, 2.5m, 10m);
        Assert.Equal(expected, profile.Cost(input, output).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("Generation:Provider", "OpenAI", "Generation:Endpoint is required")]
    [InlineData("Generation:Endpoint", "127.0.0.1:8080/v1", "absolute http(s) URL")]
    [InlineData("Generation:Endpoint", "ftp://models.example/v1", "absolute http(s) URL")]
    [InlineData("Generation:MaxRetries", "11", "MaxRetries")]
    [InlineData("Generation:RequestTimeout", "00:00:00", "RequestTimeout")]
    [InlineData("Generation:DailyTokenBudgetPerProject", "-1", "DailyTokenBudgetPerProject")]
    [InlineData("Generation:Models:chat-2-pro:InputPricePerMillion", "-0.5", "prices cannot be negative")]
    [InlineData("Generation:Models:chat-2-pro:MaxOutputTokens", "9000", "MaxOutputTokens")]
    [InlineData("Generation:Models:chat-2-pro:Temperature", "3", "Temperature")]
    [InlineData("Generation:Models:chat-2-pro:TopP", "0", "TopP")]
    [InlineData("Generation:Models:bad name:BackendModel", "x", "without spaces")]
    public void Invalid_settings_fail_with_a_message_naming_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key != "Generation:Provider") settings["Generation:Provider"] = "OpenAI";
        if (key != "Generation:Endpoint" && key != "Generation:Provider") settings["Generation:Endpoint"] = "http://127.0.0.1:8080/v1";
        var ex = Assert.Throws<OptionsValidationException>(() => Bind(settings));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_is_not_needed_offline_and_the_api_key_never_appears_in_errors()
    {
        Assert.Equal(GenerationProvider.Offline, Bind(new() { ["Generation:Endpoint"] = "not a url" }).Provider);
        var ex = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            ["Generation:Provider"] = "OpenAI", ["Generation:Endpoint"] = "nope", ["Generation:ApiKey"] = "sk-very-secret",
        }));
        Assert.DoesNotContain("sk-very-secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_fails_to_start_on_an_invalid_generation_section()
    {
        var ex = Assert.ThrowsAny<Exception>(() => DumGum.Tests.Infrastructure.DumGumHost.Start(settings: new()
        {
            ["Generation:Provider"] = "OpenAI",
        }));
        Assert.Contains("Generation:Endpoint", ex.ToString(), StringComparison.Ordinal);
    }
}
