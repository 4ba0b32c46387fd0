using DumGum.Customers;
using DumGum.Replies;

namespace DumGum.Suggestions;

/// <summary>
/// The offline suggestions (test mode, or no model configured): three fixed messages the user could send, per
/// language and situation. Deterministic, so tests and retries are stable. Placeholders: {persona} the persona's name,
/// {echo} a fragment of the persona's last message. Like the offline reply engine, the phrasing avoids words that
/// agree with the speaker's or the reader's gender, Portuguese avoids pt-BR-only and pt-PT-only forms, Spanish
/// avoids Spain-only forms, and German avoids ß, so one table serves every regional variant.
/// </summary>
internal sealed class SuggestionPhrases
{
    public required string Language { get; init; }
    /// <summary>No messages yet: the user opens the conversation and names the persona.</summary>
    public required IReadOnlyList<string> Icebreaker { get; init; }
    /// <summary>The persona's last message is a statement: react to it. The first one quotes it ({echo}).</summary>
    public required IReadOnlyList<string> React { get; init; }
    /// <summary>Replaces the quoting <see cref="React"/> phrase when the persona's message has nothing quotable.</summary>
    public required string ReactWithoutEcho { get; init; }
    /// <summary>The persona's last message asks something: answer and hand the question back.</summary>
    public required IReadOnlyList<string> Answer { get; init; }
    /// <summary>The user wrote last: keep the conversation going without pressure.</summary>
    public required IReadOnlyList<string> Nudge { get; init; }

    /// <summary>The three offline suggestions for <paramref name="request"/>.</summary>
    public static IReadOnlyList<string> Compose(SuggestionRequest request)
    {
        var phrases = For(request.Language) ?? English;
        var persona = request.Persona.DisplayName.Trim();
        if (request.Messages.Count == 0) return Fill(phrases.Icebreaker, persona, null);
        var last = request.Messages[^1];
        if (last.Role == Sender.User) return Fill(phrases.Nudge, persona, null);
        if (last.Content?.Contains('?', StringComparison.Ordinal) == true) return Fill(phrases.Answer, persona, null);
        var echo = OfflineChatClient.Fragment(last.Content);
        IEnumerable<string> react = echo is null ? [phrases.ReactWithoutEcho, .. phrases.React.Skip(1)] : phrases.React;
        return Fill(react, persona, echo);
    }

    /// <summary>The table for a DumGum language code (regional variants share their base language), or null.</summary>
    public static SuggestionPhrases? For(string? language)
    {
        return DumGum.Replies.Prompt.LanguageNames.BaseCode(language) switch
        {
            "EN" => English,
            "FR" => French,
            "DE" => German,
            "ES" => Spanish,
            "IT" => Italian,
            "NL" => Dutch,
            "PT" => Portuguese,
            _ => null,
        };
    }

    public static IReadOnlyList<SuggestionPhrases> All => [English, French, German, Spanish, Italian, Dutch, Portuguese];

    /// <summary>One pass per template, so a name or quoted text that contains "{persona}" stays literal.</summary>
    static List<string> Fill(IEnumerable<string> templates, string persona, string? echo) =>
        templates.Select(t => Placeholders.Fill(t, ("persona", persona), ("echo", echo))).ToList();

    public static readonly SuggestionPhrases English = new()
    {
        Language = "EN",
        Icebreaker =
        [
            "Hi {persona}! Your profile made me smile, so I had to say hello. How's your week going?",
            "Hey {persona}, what's been the best moment of your week so far?",
            "Hello {persona}! Quick question: what do you love doing on a free evening?",
        ],
        React =
        [
            "\"{echo}\" — now I'm curious, tell me more!",
            "That sounds great, {persona}! How did that come about?",
            "Ha, you made me smile. What else is new with you?",
        ],
        ReactWithoutEcho = "Ha, I like that! Tell me more.",
        Answer =
        [
            "Good question! Let me think… and what would your answer be, {persona}?",
            "I'll tell you, but only if you tell me yours too 😉",
            "Hmm, tough one! Honestly, it depends on the day. What about you?",
        ],
        Nudge =
        [
            "By the way, {persona}, how's your day going?",
            "No rush, I'm just curious what you think!",
            "Also, tell me: what's the last thing that made you laugh?",
        ],
    };

    public static readonly SuggestionPhrases French = new()
    {
        Language = "FR",
        Icebreaker =
        [
            "Salut {persona} ! Ton profil m'a donné le sourire, alors je voulais te dire bonjour. Comment se passe ta semaine ?",
            "Coucou {persona}, c'est quoi le meilleur moment de ta semaine jusqu'ici ?",
            "Bonjour {persona} ! Petite question : qu'est-ce que tu aimes faire pendant une soirée libre ?",
        ],
        React =
        [
            "« {echo} » — là, tu m'intrigues ! Raconte-m'en plus.",
            "Ça a l'air génial, {persona} ! Comment c'est arrivé ?",
            "Tu me fais sourire. Et sinon, quoi de neuf de ton côté ?",
        ],
        ReactWithoutEcho = "Haha, j'adore ! Raconte-m'en plus.",
        Answer =
        [
            "Bonne question ! Laisse-moi réfléchir… et toi, {persona}, tu répondrais quoi ?",
            "Je te réponds, mais seulement si tu me donnes ta réponse aussi 😉",
            "Hmm, pas facile ! Honnêtement, ça dépend des jours. Et toi ?",
        ],
        Nudge =
        [
            "Au fait, {persona}, comment se passe ta journée ?",
            "Rien ne presse, j'ai juste envie de savoir ce que tu en penses !",
            "Et dis-moi : qu'est-ce qui t'a fait rire dernièrement ?",
        ],
    };

    public static readonly SuggestionPhrases German = new()
    {
        Language = "DE",
        Icebreaker =
        [
            "Hi {persona}! Dein Profil hat mich zum Lächeln gebracht, da wollte ich einfach Hallo sagen. Wie läuft deine Woche?",
            "Hey {persona}, was war bisher der schönste Moment deiner Woche?",
            "Hallo {persona}! Kurze Frage: Was machst du am liebsten an einem freien Abend?",
        ],
        React =
        [
            "„{echo}“ – jetzt will ich mehr wissen, erzähl!",
            "Das klingt super, {persona}! Wie kam es dazu?",
            "Du bringst mich zum Lächeln. Und was gibt es sonst Neues bei dir?",
        ],
        ReactWithoutEcho = "Haha, das gefällt mir! Erzähl mehr.",
        Answer =
        [
            "Gute Frage! Lass mich kurz überlegen … und was wäre deine Antwort, {persona}?",
            "Ich verrate es dir, aber nur, wenn du mir deine Antwort auch sagst 😉",
            "Hmm, schwierige Frage! Ehrlich gesagt kommt es auf den Tag an. Und bei dir?",
        ],
        Nudge =
        [
            "Übrigens, {persona}: Wie läuft dein Tag so?",
            "Kein Stress, mich interessiert einfach, was du davon hältst!",
            "Und sag mal: Worüber hast du zuletzt so richtig gelacht?",
        ],
    };

    public static readonly SuggestionPhrases Spanish = new()
    {
        Language = "ES",
        Icebreaker =
        [
            "¡Hola, {persona}! Tu perfil me sacó una sonrisa, así que quería saludarte. ¿Qué tal tu semana?",
            "Hey, {persona}, ¿cuál fue el mejor momento de tu semana hasta ahora?",
            "¡Hola, {persona}! Una pregunta rápida: ¿qué te gusta hacer en una noche libre?",
        ],
        React =
        [
            "«{echo}»… ¡ahora quiero saber más! Cuéntame.",
            "¡Suena genial, {persona}! ¿Cómo surgió?",
            "Me sacaste una sonrisa. ¿Y qué más hay de nuevo?",
        ],
        ReactWithoutEcho = "¡Jaja, me encanta! Cuéntame más.",
        Answer =
        [
            "¡Buena pregunta! Déjame pensar… ¿y cuál sería tu respuesta, {persona}?",
            "Te respondo, pero solo si tú también me das tu respuesta 😉",
            "Mmm, ¡qué difícil! Sinceramente, depende del día. ¿Y tú?",
        ],
        Nudge =
        [
            "Por cierto, {persona}, ¿qué tal va tu día?",
            "Sin prisa, ¡solo me interesa saber qué piensas!",
            "Y cuéntame: ¿qué fue lo último que te hizo reír?",
        ],
    };

    public static readonly SuggestionPhrases Italian = new()
    {
        Language = "IT",
        Icebreaker =
        [
            "Ciao {persona}! Il tuo profilo mi ha fatto sorridere, quindi volevo salutarti. Come va la settimana?",
            "Ehi {persona}, qual è stato il momento più bello della tua settimana finora?",
            "Ciao {persona}! Domanda veloce: cosa ti piace fare in una serata libera?",
        ],
        React =
        [
            "«{echo}»… ora voglio saperne di più, racconta!",
            "Sembra fantastico, {persona}! Com'è successo?",
            "Mi hai fatto sorridere. E per il resto, che novità ci sono?",
        ],
        ReactWithoutEcho = "Ahah, mi piace un sacco! Raccontami di più.",
        Answer =
        [
            "Bella domanda! Fammi pensare… e tu cosa risponderesti, {persona}?",
            "Ti rispondo, ma solo se mi dici anche la tua 😉",
            "Mmm, difficile! Sinceramente dipende dal giorno. E tu?",
        ],
        Nudge =
        [
            "A proposito, {persona}, come sta andando la tua giornata?",
            "Nessuna fretta, mi interessa solo sapere cosa ne pensi!",
            "E dimmi: qual è l'ultima cosa che ti ha fatto ridere?",
        ],
    };

    public static readonly SuggestionPhrases Dutch = new()
    {
        Language = "NL",
        Icebreaker =
        [
            "Hoi {persona}! Je profiel toverde een glimlach op mijn gezicht, dus ik wilde even hallo zeggen. Hoe gaat je week?",
            "Hé {persona}, wat was tot nu toe het leukste moment van je week?",
            "Hallo {persona}! Korte vraag: wat doe je het liefst op een vrije avond?",
        ],
        React =
        [
            "“{echo}”… nu wil ik er meer over weten, vertel!",
            "Dat klinkt geweldig, {persona}! Hoe is dat zo gekomen?",
            "Je laat me glimlachen. En verder, wat is er nieuw bij jou?",
        ],
        ReactWithoutEcho = "Haha, leuk! Vertel eens meer.",
        Answer =
        [
            "Goede vraag! Even nadenken… en wat zou jouw antwoord zijn, {persona}?",
            "Ik vertel het je, maar alleen als jij mij jouw antwoord ook geeft 😉",
            "Hmm, lastige vraag! Eerlijk gezegd hangt het van de dag af. En jij?",
        ],
        Nudge =
        [
            "Trouwens, {persona}, hoe gaat je dag?",
            "Geen haast hoor, ik ben gewoon benieuwd wat jij ervan vindt!",
            "En vertel eens: waar moest je laatst echt om lachen?",
        ],
    };

    public static readonly SuggestionPhrases Portuguese = new()
    {
        Language = "PT",
        Icebreaker =
        [
            "Olá, {persona}! Adorei o seu perfil e não resisti a dizer olá. Como vai a sua semana?",
            "{persona}, qual foi o melhor momento da sua semana até agora?",
            "Olá, {persona}! Uma pergunta rápida: o que gosta de fazer numa noite livre?",
        ],
        React =
        [
            "\"{echo}\"… agora quero saber mais. Conte tudo!",
            "Parece incrível, {persona}! Como isso aconteceu?",
            "Adorei ler isso. E quais são as novidades por aí?",
        ],
        ReactWithoutEcho = "Haha, adorei! Conte mais.",
        Answer =
        [
            "Boa pergunta! Deixe-me pensar… e qual seria a sua resposta, {persona}?",
            "Eu respondo, mas só se me disser a sua resposta também 😉",
            "Hmm, difícil! Sinceramente, depende do dia. E a sua resposta?",
        ],
        Nudge =
        [
            "Aliás, {persona}, como vai o seu dia?",
            "Sem pressa, só quero muito saber o que acha!",
            "E então, qual foi a coisa mais engraçada da sua semana?",
        ],
    };
}
