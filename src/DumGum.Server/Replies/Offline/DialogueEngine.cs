using System.Globalization;
using System.Text;
using DumGum.Customers;
using DumGum.Replies.Checks;
using DumGum.Replies.Prompt;

namespace DumGum.Replies.Offline;

/// <summary>One offline reply: its parts (one unless a split was drawn), a Smart Share picture, and what it answered.</summary>
/// <paramref name="Read"/> is the intent read from the messages, before "and you?" is resolved into what it asks.
internal sealed record OfflineReply(IReadOnlyList<string> Parts, string? PictureId, string Intent, string? Second, string ReplyKey,
    string Read)
{
    public string Text => string.Join(" ", Parts);
}

/// <summary>
/// The classic dialogue engine behind <see cref="OfflineChatClient"/> (docs/behaviour.md, "The offline reply engine"):
/// reads the intents of the user's newest messages, answers the main one from the persona's profile (job, city, age,
/// pets, family, hobbies, music, the local time of day), acknowledges a second one, and asks a question back when
/// <c>questionFrequency</c> drew one. Every choice is seeded by the conversation and the turn, and no phrasing the
/// persona used in her recent messages is used again while another is left.
/// </summary>
internal static class DialogueEngine
{
    /// <summary>Persona messages looked at for phrasings already used (docs/behaviour.md, "The offline reply engine").</summary>
    public const int RecentPersonaMessages = 50;

    /// <summary>Runs of this many words of the user's message never appear in a reply: the engine does not quote.</summary>
    public const int MaxCopiedWords = 4;

    /// <summary>Share of replies that end with a question when <c>questionFrequency</c> is not set.</summary>
    const double DefaultQuestionRate = 0.5;

    static readonly string[] DayParts = ["morning", "afternoon", "evening", "night"];

    public static OfflineReply Compose(ReplyContext context, LanguagePack pack)
    {
        var w = new Writer(context, pack);
        return w.Compose();
    }

    /// <summary>The intents of a text in <paramref name="pack"/>'s language alone (for tests and the fixture).</summary>
    public static IntentReading Read(string text, LanguagePack pack)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        pack.Reader.Score(text, scores);
        return IntentReader.Decide(scores);
    }

    /// <summary>morning 5–11, afternoon 12–17, evening 18–22, night 23–4, in the persona's time zone.</summary>
    public static int DayPartIndex(DateTimeOffset now, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(now, zone).Hour switch
        {
            >= 5 and <= 11 => 0,
            >= 12 and <= 17 => 1,
            >= 18 and <= 22 => 2,
            _ => 3,
        };

    sealed class Writer
    {
        readonly ReplyContext c;
        readonly LanguagePack pack;
        readonly PersonaFacts facts;
        readonly string part;
        readonly ulong seed;
        readonly string recent;
        readonly string recentCanonical;
        readonly Fluency.Level? fluency;
        /// <summary><c>sentenceLength</c>: -1 SHORT prefers the shorter half of the phrasings, +1 LONG the longer half.</summary>
        readonly int sentenceBias;
        readonly PersonalityDefaults? personality;
        readonly int lastPersona;
        readonly UserFacts user;
        /// <summary>Placeholders of the user's facts to prefer: his job when his newest messages talk about work.</summary>
        readonly List<string> prefer = [];
        readonly List<string> usedNow = [];
        readonly string userName;
        readonly string personaName;
        readonly List<string[]> userWords = [];
        string? gift;
        string? read;
        int salt;

        public Writer(ReplyContext context, LanguagePack pack)
        {
            c = context;
            this.pack = pack;
            var overrides = context.Parameters.PersonaProfileOverrides is { Count: > 0 } o ? o : null;
            facts = PersonaFacts.Of(context.Persona, overrides);
            part = DayParts[DayPartIndex(context.Now, ProfileRenderer.TimeZoneOf(context.Persona, overrides, out _))];
            seed = Seed(context);
            recent = RecentPersonaText(context.History);
            recentCanonical = Fluency.Canonical(recent);
            fluency = Fluency.Of(context.Parameters.FluencyDegradation);
            sentenceBias = Upper(context.Parameters.SentenceLength) switch { "SHORT" => -1, "LONG" => 1, _ => 0 };
            personality = OfflineData.Catalogue.Personalities.GetValueOrDefault(
                Upper(context.Parameters.PersonaPersonality) ?? Upper(context.Persona.Personality) ?? "");
            userName = ProfileRenderer.DisplayName(context.User, null).Trim();
            personaName = ProfileRenderer.DisplayName(context.Persona, overrides).Trim();
            lastPersona = -1;
            for (var i = context.History.Count - 1; i >= 0; i--)
                if (context.History[i].Sender == Sender.Persona) { lastPersona = i; break; }
            user = UserFacts.Read(context, pack, lastPersona);
        }

        public OfflineReply Compose()
        {
            var history = c.History;
            var trailing = new List<HistoryMessage>();
            for (var i = lastPersona + 1; i < history.Count; i++)
                if (history[i].Sender == Sender.User) trailing.Add(history[i]);
            var anyUser = history.Any(m => m.Sender == Sender.User);

            if (c.Mode == ReplyMode.Icebreaker || !anyUser)
                return Engage(Intents.Greeting, ["hello." + part], "icebreaker");
            if (c.Mode == ReplyMode.Revive) return Engage(Intents.Unknown, [], "revive");
            if (c.Mode == ReplyMode.Nudge) return Engage(Intents.Unknown, [], "nudge");
            // Nothing new from him: after a long silence a "long time no talk" reads right, as Engage AUTO decides.
            if (trailing.Count == 0)
                return Engage(Intents.Unknown, [], c.Now - history[^1].Date >= DumGum.Replies.Engage.NudgeWindow ? "revive" : "nudge");

            foreach (var m in trailing)
                if (!string.IsNullOrWhiteSpace(m.Text))
                    userWords.Add(Template.Normalize(m.Text).Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var reading = ReadMessages(trailing);
            var main = NonText(trailing, out gift) ?? reading.Main;
            read = main;
            var second = main == reading.Main ? reading.Second : reading.Main == Intents.Unknown ? null : reading.Main;
            if (main == Intents.AndYou) main = ResolveAndYou(lastPersona);
            if (second == Intents.AndYou || (second is not null && Intents.SameGroup(second, main))) second = null;

            // What he just told her about himself: the answer when nothing else was asked, else acknowledged.
            var told = user.NewJob is not null ? "told.job" : user.NewCity is not null ? "told.city" : null;
            var newest = string.Join(" ", trailing.Select(m => m.Text));
            if (user.Job is not null && UserFacts.Mentions(pack, newest, pack.JobTopic)) prefer.AddRange(["userJob", "userAjob"]);

            string? pictureId = null;
            var key = main switch
            {
                Intents.Meet => "meet." + MeetingPolicy(),
                Intents.PhotoRequest => (pictureId = ShareablePicture()) is null ? "photo_decline" : "photo_share",
                Intents.Recall => "recall." + Recalled(newest),
                Intents.Unknown when told is not null => told,
                _ => main,
            };
            if (key == told) told = null;

            var length = Upper(c.Parameters.MessageLength) ?? "MEDIUM";
            var farewell = main is Intents.Goodbye or Intents.GoodNight;
            var ask = c.EndWithQuestion ?? (!farewell && Unit(101) < (personality?.Questions ?? DefaultQuestionRate));
            // She does not know: she asks (unless the customer wants no question).
            if (key == "recall.unknown") ask = c.EndWithQuestion ?? true;

            var slots = new List<Slot>(5);
            var mainCandidates = Candidates(pack.Replies, key);
            var fact = Intents.Facts.GetValueOrDefault(main) ?? (main == Intents.Gift ? "gift" : null);
            var mainText = Pick(mainCandidates, fact, required: false);
            // Every phrasing of this answer is in her recent messages: a question alone is better than a repeat.
            if (mainText is null && !ask && c.EndWithQuestion is null && !farewell) ask = true;
            if (mainText is null && (!ask || Question(main, peek: true) is null)) mainText = Pick(mainCandidates, fact, required: true);
            string? ack = null;
            if (second is not null && length != "SHORT") ack = Pick(Candidates(pack.Acks, second), null, required: false);
            else if (told is not null && length != "SHORT") ack = Pick(Candidates(pack.Acks, told), null, required: false);
            if (ack is not null && second == Intents.Greeting) slots.Add(new(SlotKind.Ack, ack));
            if (mainText is not null) slots.Add(new(SlotKind.Main, WithEmoji(mainText, main)));
            if (ack is not null && second != Intents.Greeting) slots.Add(new(SlotKind.Ack, ack));
            if (length == "LONG")
            {
                if (Pick(Candidates(pack.Replies, "extra"), null, required: false) is { } extra) slots.Add(new(SlotKind.Extra, extra));
                if (Pick(Candidates(pack.Replies, "remark"), null, required: false) is { } remark) slots.Add(new(SlotKind.Extra, remark));
            }
            else if (length == "MEDIUM" && !ask && second is null && !farewell && Unit(102) < 0.5
                     && Pick(Candidates(pack.Replies, "remark"), null, required: false) is { } remark)
                slots.Add(new(SlotKind.Extra, remark));
            if (ask && Question(main) is { } question) slots.Add(new(SlotKind.Question, question));
            if (c.Parameters.FixedResponseLength && ReplyChecks.LengthRange(Upper(c.Parameters.MessageLength)) is { } range)
                FitLength(slots, range, mainCandidates, fact, main);
            return Finish(slots, pictureId, main, second, key);
        }

        /// <summary>What "do you remember…?" asks about (his job, city or name, by the words of the question; else what she knows), or <c>unknown</c>.</summary>
        string Recalled(string text)
        {
            var rules = pack.UserFacts;
            var asked = UserFacts.Says(text, rules?.Job?.Recall ?? []) || UserFacts.Mentions(pack, text, pack.JobTopic) ? "job"
                : UserFacts.Says(text, rules?.City?.Recall ?? []) ? "city"
                : UserFacts.Says(text, rules?.NameRecall ?? []) ? "name"
                : user.Job is not null ? "job" : user.City is not null ? "city" : "name";
            var known = asked switch { "job" => user.Job, "city" => user.City, _ => userName.Length > 0 ? userName : null };
            return known is null ? "unknown" : asked;
        }

        enum SlotKind { Main, Ack, Extra, Question }

        /// <summary>One sentence (or two) of the reply and what it is for, so a length target knows what it may drop or add.</summary>
        readonly record struct Slot(SlotKind Kind, string Text);

        /// <summary>
        /// <c>fixedResponseLength</c>: the reply is brought into the <c>messageLength</c> range the model path is checked
        /// against (docs/behaviour.md, "Replies"): too long drops the remark, the extra sentence and the acknowledgement,
        /// then a question nobody required, then takes the shortest phrasing of the answer; too short adds sentences about
        /// her life and the moment, then a question unless none is wanted.
        /// </summary>
        void FitLength(List<Slot> slots, (int Min, int Max) range, List<Template> mainCandidates, string? fact, string main)
        {
            while (Measure(slots) > range.Max)
            {
                var drop = slots.FindLastIndex(s => s.Kind is SlotKind.Extra or SlotKind.Ack);
                if (drop < 0 && c.EndWithQuestion is not true && slots.Count > 1) drop = slots.FindLastIndex(s => s.Kind == SlotKind.Question);
                if (drop < 0) break;
                slots.RemoveAt(drop);
            }
            if (Measure(slots) > range.Max)
                for (var i = 0; i < slots.Count; i++)
                {
                    var kind = slots[i].Kind;
                    var pool = kind == SlotKind.Main ? mainCandidates : Candidates(pack.Questions, main).Concat(Candidates(pack.Questions, "generic")).ToList();
                    var shorter = Shortest(pool, kind == SlotKind.Main ? fact : null);
                    if (shorter is null || shorter.Length >= slots[i].Text.Length) continue;
                    slots[i] = new(kind, kind == SlotKind.Main ? WithEmoji(shorter, main) : shorter);
                    // An emoji is decoration: the answer goes first.
                    if (Measure(slots) > range.Max) slots[i] = new(kind, shorter);
                    if (Measure(slots) <= range.Max) break;
                }
            var at = slots.FindIndex(s => s.Kind == SlotKind.Question);
            if (at < 0) at = slots.Count;
            foreach (var source in new[] { "extra", "remark", "extra", "extra", "remark" })
            {
                if (Measure(slots) >= range.Min) return;
                if (Pick(Candidates(pack.Replies, source), null, required: false) is not { } more) continue;
                if (Measure([.. slots, new(SlotKind.Extra, more)]) > range.Max) continue;
                slots.Insert(at++, new(SlotKind.Extra, more));
            }
            if (Measure(slots) < range.Min && c.EndWithQuestion is not false && slots.All(s => s.Kind != SlotKind.Question)
                && Question(main) is { } q)
                slots.Add(new(SlotKind.Question, q));
        }

        /// <summary>The length the check counts (characters as people see them) of the reply as it will be sent.</summary>
        int Measure(List<Slot> slots) =>
            new StringInfo(Degrade(string.Join(" ", slots.Select(s => s.Text)))).LengthInTextElements;

        /// <summary>The shortest filled phrasing (naming <paramref name="fact"/> when one can), used or not: a length target wins.</summary>
        string? Shortest(List<Template> candidates, string? fact)
        {
            string? best = null;
            var named = false;
            foreach (var t in candidates)
            {
                if (Fill(t) is not { } text || CopiesUser(text)) continue;
                var names = fact is not null && UsesFact(t, fact);
                if (best is null || (names && !named) || (names == named && text.Length < best.Length)) (best, named) = (text, names);
            }
            return best;
        }

        string Degrade(string text) => fluency is null ? text : Fluency.Degrade(text, fluency, n => Unit(300 + n));

        OfflineReply Engage(string intent, string[] openers, string key)
        {
            var slots = new List<Slot>(3);
            foreach (var opener in openers)
                if (Pick(Candidates(pack.Replies, opener), null, required: false) is { } o) slots.Add(new(SlotKind.Ack, o));
            slots.Add(new(SlotKind.Main, WithEmoji(Pick(Candidates(pack.Replies, key), null, required: true)!, intent)));
            // Icebreakers, nudges and revives end with a question unless the customer asked for none.
            if (c.EndWithQuestion is not false && Question(key) is { } q) slots.Add(new(SlotKind.Question, q));
            if (c.Parameters.FixedResponseLength && ReplyChecks.LengthRange(Upper(c.Parameters.MessageLength)) is { } range)
                FitLength(slots, range, Candidates(pack.Replies, key), null, key);
            return Finish(slots, null, intent, null, key);
        }

        OfflineReply Finish(List<Slot> slots, string? pictureId, string main, string? second, string key)
        {
            // A drawn split is used for LONG replies only (docs/behaviour.md): the answer, then the rest. Shorter replies
            // read as one message, and clients that asked for splits without a length keep the single message they got.
            var texts = slots.Select(s => s.Text).ToList();
            IReadOnlyList<string> parts = c.SplitReply && texts.Count > 1 && Upper(c.Parameters.MessageLength) == "LONG"
                ? [Degrade(string.Join(" ", texts.Take((texts.Count + 1) / 2))), Degrade(string.Join(" ", texts.Skip((texts.Count + 1) / 2)))]
                : [Degrade(string.Join(" ", texts))];
            return new OfflineReply(parts, pictureId, main, second, key, read ?? main);
        }

        IntentReading ReadMessages(List<HistoryMessage> messages)
        {
            var scores = new Dictionary<string, double>(StringComparer.Ordinal);
            Score(pack, messages, scores);
            // A negated message in the chat's language is not re-read in another one, where the negation would be lost.
            if (scores.Count == 0 && !messages.Any(m => m.Text is { } t && pack.Reader.HasNegation(t)))
            {
                // A message in another language is still understood; the reply stays in the enqueue's language.
                Dictionary<string, double>? best = null;
                foreach (var other in OfflineData.Packs.Values)
                {
                    if (ReferenceEquals(other, pack)) continue;
                    var s = new Dictionary<string, double>(StringComparer.Ordinal);
                    Score(other, messages, s);
                    // Only a clear reading (a phrase of two words or more) counts in a language the chat is not in.
                    if (s.Count > 0 && s.Values.Max() >= 2 && (best is null || s.Values.Sum() > best.Values.Sum())) best = s;
                }
                if (best is not null) scores = best;
            }
            return IntentReader.Decide(scores);
        }

        static void Score(LanguagePack p, List<HistoryMessage> messages, Dictionary<string, double> scores)
        {
            for (var i = 0; i < messages.Count; i++)
                if (!string.IsNullOrWhiteSpace(messages[i].Text))
                    p.Reader.Score(messages[i].Text!, scores, i == messages.Count - 1 ? 1.0 : 0.8);
        }

        /// <summary>Gift, picture, sticker, poke: the newest message that carries one decides (gift first).</summary>
        static string? NonText(List<HistoryMessage> messages, out string? giftName)
        {
            giftName = null;
            for (var i = messages.Count - 1; i >= 0; i--)
            {
                var m = messages[i];
                if (m.Gifts.Count > 0)
                {
                    giftName = m.Gifts.Select(g => g.Name?.Trim()).FirstOrDefault(n => !string.IsNullOrEmpty(n));
                    return Intents.Gift;
                }
                if (m.PictureUrls.Count > 0) return Intents.Picture;
                if (m.Sticker is not null) return Intents.Sticker;
                if (m.Poke) return Intents.Poke;
            }
            return null;
        }

        /// <summary>"And you?" answers what the persona last asked; without a question of hers, how she is.</summary>
        string ResolveAndYou(int lastPersona)
        {
            if (lastPersona >= 0 && c.History[lastPersona].Text is { Length: > 0 } asked)
            {
                var scores = new Dictionary<string, double>(StringComparer.Ordinal);
                pack.Reader.Score(asked, scores);
                string? best = null;
                foreach (var (intent, score) in scores)
                    if ((Intents.Facts.ContainsKey(intent) || intent is Intents.HowAreYou or Intents.WhatDoing)
                        && (best is null || score > scores[best]))
                        best = intent;
                if (best is not null) return best;
            }
            return Intents.HowAreYou;
        }

        string MeetingPolicy() => Upper(c.Parameters.MeetingPolicy) switch
        {
            "DEFERRED_MEETING" => "DEFERRED_MEETING",
            "CHAT_ONLY" => "CHAT_ONLY",
            _ => "DEFAULT_MODE",
        };

        /// <summary>A picture Smart Share may send: offered, enabled, and not already in the chat.</summary>
        string? ShareablePicture()
        {
            if (!c.SmartShareEnabled) return null;
            var shared = SharedPictures.In(c.History);
            var open = c.Parameters.ShareablePictures.Where(p => !string.IsNullOrWhiteSpace(p.Id) && !shared.Contains(p.Url.Trim())).ToList();
            return open.Count == 0 ? null : open[(int)(Mix(103) % (ulong)open.Count)].Id;
        }

        string? Question(string intent, bool peek = false)
        {
            var specific = Candidates(pack.Questions, intent);
            if (Pick(specific, null, required: false, peek) is { } q) return q;
            return Pick(Candidates(pack.Questions, "generic"), null, required: false, peek);
        }

        List<Template> Candidates(System.Collections.Frozen.FrozenDictionary<string, Template[]> table, string key)
        {
            var list = new List<Template>();
            if (table.TryGetValue(key, out var plain)) list.AddRange(plain);
            if (table.TryGetValue(key + "." + part, out var timed)) list.AddRange(timed);
            return list;
        }

        /// <summary>
        /// A filled template: the first, from a seeded start, whose placeholders all have values and whose phrasing is not
        /// in the persona's recent messages; templates naming <paramref name="fact"/> win when there is one. When every
        /// phrasing was used, a required slot repeats the seeded one and an optional slot is left out.
        /// </summary>
        string? Pick(List<Template> candidates, string? fact, bool required, bool peek = false)
        {
            var s = peek ? salt + 1 : ++salt;
            if (candidates.Count == 0) return null;
            if (fact is not null && candidates.Any(t => UsesFact(t, fact) && Fill(t) is not null))
                candidates = candidates.Where(t => UsesFact(t, fact)).ToList();
            var start = (int)(Mix(s) % (ulong)candidates.Count);
            var order = new List<(Template T, string Text)>(candidates.Count);
            for (var k = 0; k < candidates.Count; k++)
                if (Fill(candidates[(start + k) % candidates.Count]) is { } filled) order.Add((candidates[(start + k) % candidates.Count], filled));
            if (sentenceBias != 0 && order.Count > 1) order = PreferLength(order);
            // His own facts first when he talks about them ("work was awful" and he said he is a nurse).
            if (prefer.Count > 0 && order.Count > 1)
                order = [.. order.Where(o => prefer.Any(o.T.Uses)), .. order.Where(o => !prefer.Any(o.T.Uses))];
            string? fallback = null;
            var oldest = -1;
            foreach (var (t, text) in order)
            {
                if (!Used(t, text) && !CopiesUser(text))
                {
                    if (!peek) Remember(t, text);
                    return text;
                }
                // The phrasing she used longest ago: the recent text is newest first.
                var at = recent.IndexOf(Signature(t, text), StringComparison.Ordinal);
                if (fallback is null || at > oldest) (fallback, oldest) = (text, at);
            }
            return required ? fallback ?? "…" : null;
        }

        /// <summary>
        /// <c>sentenceLength</c>: SHORT tries the shortest third of the phrasings (in words) first, LONG the longest third;
        /// the others stay behind them for when those were used recently.
        /// </summary>
        List<(Template T, string Text)> PreferLength(List<(Template T, string Text)> order)
        {
            var words = order.Select(o => Words(o.Text)).ToList();
            var sorted = words.Order().ToList();
            var cut = sentenceBias < 0 ? sorted[(sorted.Count - 1) / 3] : sorted[sorted.Count - 1 - (sorted.Count - 1) / 3];
            var preferred = new List<(Template, string)>(order.Count);
            var rest = new List<(Template, string)>(order.Count);
            for (var i = 0; i < order.Count; i++)
            {
                var keep = sentenceBias < 0 ? words[i] <= cut : words[i] >= cut;
                (keep ? preferred : rest).Add(order[i]);
            }
            preferred.AddRange(rest);
            return preferred;
        }

        static int Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

        static string Signature(Template t, string text) => t.Signature.Length >= 10 ? t.Signature : Template.Normalize(text);

        /// <summary>A fact shows as its placeholder or a variant of it: <c>{job}</c>/<c>{ajob}</c>, <c>{pet}</c>/<c>{petName}</c>…</summary>
        static bool UsesFact(Template t, string fact) =>
            t.Uses(fact) || t.Uses("a" + fact) || t.Uses(fact + "Name") || t.Uses(fact + "2");

        /// <summary>Whether <paramref name="text"/> repeats a run of <see cref="MaxCopiedWords"/> words of the user's newest messages.</summary>
        bool CopiesUser(string text)
        {
            if (userWords.Count == 0) return false;
            var words = Template.Normalize(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var user in userWords)
                for (var i = 0; i + MaxCopiedWords <= user.Length; i++)
                    for (var j = 0; j + MaxCopiedWords <= words.Length; j++)
                    {
                        var k = 0;
                        while (k < MaxCopiedWords && user[i + k] == words[j + k]) k++;
                        if (k == MaxCopiedWords) return true;
                    }
            return false;
        }

        bool Used(Template t, string text)
        {
            var own = t.Signature.Length >= 10;
            var sig = own ? t.Signature : Template.Normalize(text);
            if (sig.Length == 0) return false;
            if (recent.Contains(sig, StringComparison.Ordinal)) return true;
            // Her earlier messages may carry typos (fluencyDegradation): the phrasing is still hers.
            if (recentCanonical.Contains(own ? t.CanonicalSignature : Fluency.Canonical(sig), StringComparison.Ordinal)) return true;
            foreach (var u in usedNow)
                if (u.Contains(sig, StringComparison.Ordinal) || sig.Contains(u, StringComparison.Ordinal)) return true;
            return false;
        }

        void Remember(Template t, string text) => usedNow.Add(t.Signature.Length >= 10 ? t.Signature : Template.Normalize(text));

        /// <summary>The filled text, its first letter upper case (a template may start with a placeholder).</summary>
        string? Fill(Template t)
        {
            var text = t.Fill(Value);
            if (text is not { Length: > 0 } || !char.IsLower(text[0])) return text;
            return string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1));
        }

        string? Value(string name)
        {
            // {p:masculine|feminine} and {u:…}: the form that agrees with the persona's or the user's gender.
            if (name.Length > 2 && name[1] == ':' && name[0] is 'p' or 'u')
            {
                var bar = name.IndexOf('|', StringComparison.Ordinal);
                var feminine = Feminine(name[0] == 'p' ? c.Persona.Gender : c.User.Gender);
                return bar < 0 ? name[2..] : feminine ? name[(bar + 1)..] : name[2..bar];
            }
            switch (name)
            {
                case "user": return userName;
                case "me": return personaName;
                case "gift": return gift;
                case "job": return facts.Job is { } job ? Noun(job) : null;
                case "ajob":
                    if (facts.Job is not { } j) return null;
                    var noun = Noun(j);
                    return pack.Articles ? ("aeiou".Contains(char.ToLowerInvariant(noun[0]), StringComparison.Ordinal) ? "an " : "a ") + noun : noun;
                case "city": return facts.City;
                case "age":
                    var overrides = c.Parameters.PersonaProfileOverrides is { Count: > 0 } o ? o : null;
                    return ProfileRenderer.AgeOf(c.Persona, overrides, c.Now) is { } age and >= 18 and < 120
                        ? age.ToString(CultureInfo.InvariantCulture) : null;
                case "pet":
                    if (facts.Pets.Count == 0) return null;
                    var pet = facts.Pets[0];
                    var kind = (pet.Type is null ? null : pack.Word("pet." + pet.Type)) ?? pack.Word("pet._");
                    return pet.Name is null ? kind : kind is null ? pet.Name : kind + " " + pet.Name;
                case "petName": return facts.Pets.Select(p => p.Name).FirstOrDefault(n => n is not null);
                case "child":
                    var child = facts.Children.FirstOrDefault(x => x.Name is not null);
                    if (child is null) return null;
                    return (pack.Word("child." + child.Relation) ?? pack.Word("child.child")) + " " + child.Name;
                case "childName": return facts.Children.Select(x => x.Name).FirstOrDefault(n => n is not null);
                case "children":
                    return facts.ChildrenCount > 0 ? facts.ChildrenCount.ToString(CultureInfo.InvariantCulture) : null;
                case "hobby": return HobbyName(0);
                case "hobby2": return HobbyName(1);
                case "food": return TopicHobby("food");
                case "travel": return TopicHobby("travel");
                case "music":
                    if (facts.Music.Count == 0) return null;
                    var code = facts.Music[(int)(seed % (ulong)facts.Music.Count)];
                    return pack.Word("music." + code.ToUpperInvariant()) ?? Humanize.Enum(code);
                case "daypart": return pack.Word("daypart." + part);
                case "userCity": return user.City;
                case "userJob": return user.Job is { } uj ? Noun(uj) : null;
                case "userAjob":
                    if (user.Job is not { } ujob) return null;
                    var unoun = Noun(ujob);
                    return pack.Articles ? ("aeiou".Contains(char.ToLowerInvariant(unoun[0]), StringComparison.Ordinal) ? "an " : "a ") + unoun : unoun;
                default: return null;
            }
        }

        static bool Feminine(string? gender) => gender?.Trim().ToUpperInvariant() is "WOMAN" or "FEMALE" or "TRANS_WOMAN" or "TRANSFEMININE";

        /// <summary>The persona's hobbies in this language, excluding food and travel ones so they are not repeated as hobbies.</summary>
        string? HobbyName(int index)
        {
            var names = new List<string>(4);
            foreach (var key in facts.Hobbies)
                if (pack.Hobbies.TryGetValue(key, out var h) && !names.Contains(h.Name)) names.Add(h.Name);
            if (names.Count <= index) return null;
            // The strongest evidence first: the seed picks among the first three.
            var first = (int)(seed % (ulong)Math.Min(3, names.Count));
            return names[(first + index) % names.Count];
        }

        string? TopicHobby(string topic)
        {
            foreach (var key in facts.Hobbies)
                if (OfflineData.Catalogue.Hobbies.TryGetValue(key, out var info) && info.Topic == topic
                    && pack.Hobbies.TryGetValue(key, out var h))
                    return h.Name;
            return null;
        }

        /// <summary>A job inside a sentence: "Pastry chef" → "pastry chef", except acronyms and languages that capitalise nouns.</summary>
        string Noun(string job)
        {
            if (pack.KeepNounCase || job.Length < 2 || !char.IsUpper(job[0]) || char.IsUpper(job[1])) return job;
            return string.Concat(char.ToLowerInvariant(job[0]).ToString(), job.AsSpan(1));
        }

        /// <summary>Emojis by <c>emojis</c>: NONE never, RARE ~15 %, OCCASIONAL ~45 %, FREQUENT ~85 % (sometimes two), unset ~25 %.</summary>
        string WithEmoji(string sentence, string intent)
        {
            var rate = Upper(c.Parameters.Emojis) switch
            {
                "NONE" => 0.0,
                "RARE" => 0.15,
                "OCCASIONAL" => 0.45,
                "FREQUENT" => 0.85,
                _ => personality?.Emojis ?? 0.25,
            };
            if (Unit(104) >= rate) return sentence;
            var catalogue = OfflineData.Catalogue;
            var mood = catalogue.Moods.GetValueOrDefault(intent) ?? "happy";
            if (!catalogue.Emojis.TryGetValue(mood, out var emojis) || emojis.Length == 0) return sentence;
            var emoji = emojis[(int)(Mix(105) % (ulong)emojis.Length)];
            if (rate > 0.8 && Unit(106) < 0.4) emoji += emojis[(int)(Mix(107) % (ulong)emojis.Length)];
            return sentence + " " + emoji;
        }

        ulong Mix(int s)
        {
            var x = unchecked(seed + (ulong)s * 0x9E3779B97F4A7C15UL);
            x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
            x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
            return x ^ (x >> 31);
        }

        double Unit(int s) => (Mix(s) >> 11) * (1.0 / (1UL << 53));

        /// <summary>FNV-1a over the conversation (both ids) and the turn (the number of messages and the newest one).</summary>
        static ulong Seed(ReplyContext context)
        {
            var hash = 0xcbf29ce484222325UL;
            var newest = context.History.Count > 0 ? context.History[^1] : null;
            foreach (var s in new[] { context.Persona.Id, context.User.Id, context.History.Count.ToString(CultureInfo.InvariantCulture), newest?.Id, newest?.Text })
            {
                foreach (var ch in s ?? "")
                {
                    hash = unchecked((hash ^ (byte)ch) * 0x100000001b3UL);
                    hash = unchecked((hash ^ (byte)(ch >> 8)) * 0x100000001b3UL);
                }
                hash = unchecked((hash ^ 0x1f) * 0x100000001b3UL);
            }
            return hash;
        }

        /// <summary>The persona's recent messages, normalised and joined, to find phrasings she already used.</summary>
        static string RecentPersonaText(IReadOnlyList<HistoryMessage> history)
        {
            var sb = new StringBuilder();
            var taken = 0;
            for (var i = history.Count - 1; i >= 0 && taken < RecentPersonaMessages; i--)
            {
                if (history[i].Sender != Sender.Persona || string.IsNullOrWhiteSpace(history[i].Text)) continue;
                sb.Append(" | ").Append(Template.Normalize(history[i].Text!));
                taken++;
            }
            return sb.ToString();
        }
    }

    static string? Upper(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToUpperInvariant();
}
