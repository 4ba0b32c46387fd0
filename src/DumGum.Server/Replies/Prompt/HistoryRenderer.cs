using System.Globalization;
using System.Text;
using DumGum.Customers;
using Microsoft.Extensions.AI;

namespace DumGum.Replies.Prompt;

/// <summary>
/// One chat-history message (docs/behaviour.md, "Profiles and history") as the words of a turn: the text, then what else came with it in
/// brackets — "[shares a picture]", "[sends a sticker: waving cat]", "[sends a gift: Red Rose (tier LOW)]",
/// "[pokes you]". User messages become <c>user</c> turns, the persona's own messages <c>assistant</c> turns.
/// A text-only message is returned as its own string (no copy).
/// </summary>
public static class HistoryRenderer
{
    public static ChatRole RoleOf(HistoryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Sender == Sender.Persona ? ChatRole.Assistant : ChatRole.User;
    }

    /// <param name="userName">The user's display name, for the persona's own pokes ("[pokes Tom]").</param>
    /// <param name="shareable">The persona's shareable pictures: one she shared earlier is described by its caption.</param>
    public static string Render(HistoryMessage message, string userName, IReadOnlyList<ShareablePicture>? shareable = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = message.Text;
        var hasText = !string.IsNullOrWhiteSpace(text);
        if (message.PictureUrls.Count == 0 && message.Gifts.Count == 0 && message.Sticker is null && !message.Poke)
            return hasText ? PromptText.Clean(text!.Trim()) : "[sends an empty message]";
        var sb = new StringBuilder((text?.Length ?? 0) + 64);
        Append(sb, message, userName, shareable);
        // History text never reaches a prompt with format characters in it (bidi, zero-width: PromptText).
        return PromptText.Clean(sb.ToString());
    }

    /// <summary>Appends the turn's words to <paramref name="sb"/>.</summary>
    public static void Append(StringBuilder sb, HistoryMessage message, string userName, IReadOnlyList<ShareablePicture>? shareable = null)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(message);
        var start = sb.Length;
        if (!string.IsNullOrWhiteSpace(message.Text)) sb.Append(message.Text.AsSpan().Trim());

        var pictures = message.PictureUrls.Count;
        if (pictures > 0)
        {
            Space(sb, start);
            string? caption = null;
            if (pictures == 1 && message.Sender == Sender.Persona && shareable is { Count: > 0 })
                foreach (var p in shareable)
                    if (string.Equals(p.Url, message.PictureUrls[0], StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(p.Caption))
                    {
                        caption = p.Caption.Trim();
                        break;
                    }
            if (pictures == 1)
            {
                sb.Append("[shares a picture");
                if (caption is not null) sb.Append(": ").Append(caption);
                sb.Append(']');
            }
            else sb.Append("[shares ").Append(pictures.ToString(CultureInfo.InvariantCulture)).Append(" pictures]");
        }

        if (!string.IsNullOrWhiteSpace(message.Sticker))
        {
            Space(sb, start);
            sb.Append("[sends a sticker: ").Append(message.Sticker.AsSpan().Trim()).Append(']');
        }

        foreach (var gift in message.Gifts)
        {
            Space(sb, start);
            sb.Append("[sends a gift");
            if (!string.IsNullOrWhiteSpace(gift.Name)) sb.Append(": ").Append(gift.Name.AsSpan().Trim());
            if (!string.IsNullOrWhiteSpace(gift.Tier))
                sb.Append(" (tier ").Append(gift.Tier.AsSpan().Trim()).Append(')');
            sb.Append(']');
        }

        if (message.Poke)
        {
            Space(sb, start);
            if (message.Sender == Sender.Persona) sb.Append("[pokes ").Append(userName).Append(']');
            else sb.Append("[pokes you]");
        }

        if (sb.Length == start) sb.Append("[sends an empty message]");
    }

    static void Space(StringBuilder sb, int start)
    {
        if (sb.Length > start) sb.Append(' ');
    }
}
