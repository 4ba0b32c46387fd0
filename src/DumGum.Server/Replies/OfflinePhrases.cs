namespace DumGum.Replies;

/// <summary>What the offline engine is answering; the order of the members is not the precedence (see Classify).</summary>
internal enum ReplyKind { Icebreaker, Text, Question, Picture, Gift, Sticker, Poke }

/// <summary>The persona's local part of the day: morning 5–11, afternoon 12–17, evening 18–22, night 23–4.</summary>
internal enum DayPart { Morning, Afternoon, Evening, Night }

internal sealed record DayParts(
    IReadOnlyList<string> Morning,
    IReadOnlyList<string> Afternoon,
    IReadOnlyList<string> Evening,
    IReadOnlyList<string> Night)
{
    public IReadOnlyList<string> this[DayPart part] => part switch
    {
        DayPart.Morning => Morning,
        DayPart.Afternoon => Afternoon,
        DayPart.Evening => Evening,
        _ => Night,
    };
}

/// <summary>
/// One language's reply templates. Placeholders: {me} persona name, {user} user name, {gift} gift name, {echo} a fragment
/// of the user's text. Phrasing avoids words that agree with the speaker's or the reader's gender (ravi/ravie,
/// obrigado/obrigada…), because either side may be anyone; Portuguese avoids constructions that exist only in pt-BR or
/// only in pt-PT, and Spanish avoids Spain-only slang, so one table serves both regions.
/// </summary>
internal sealed class OfflinePhrases
{
    public required string Language { get; init; }
    /// <summary>Follows a <see cref="Greeting"/>, so it introduces the persona rather than saying hello again.</summary>
    public required IReadOnlyList<string> Icebreaker { get; init; }
    public required IReadOnlyList<string> Text { get; init; }
    public required IReadOnlyList<string> TextEcho { get; init; }
    public required IReadOnlyList<string> Question { get; init; }
    public required IReadOnlyList<string> QuestionEcho { get; init; }
    public required IReadOnlyList<string> Picture { get; init; }
    public required IReadOnlyList<string> Gift { get; init; }
    public required IReadOnlyList<string> GiftUnnamed { get; init; }
    public required IReadOnlyList<string> Sticker { get; init; }
    public required IReadOnlyList<string> Poke { get; init; }
    /// <summary>Opens an icebreaker; addresses {user}.</summary>
    public required DayParts Greeting { get; init; }
    /// <summary>Closes every other reply, so the persona lives in its own time zone.</summary>
    public required DayParts TimeRemark { get; init; }

    /// <summary>The table for a DumGum language code (regional variants share their base language), or null.</summary>
    public static OfflinePhrases? For(string? language)
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

    public static IReadOnlyList<OfflinePhrases> All => [English, French, German, Spanish, Italian, Dutch, Portuguese];

    public static readonly OfflinePhrases English = new()
    {
        Language = "EN",
        Greeting = new(
            ["Good morning, {user}!", "Morning, {user}!", "Hey {user}, hope your morning's off to a good start!"],
            ["Good afternoon, {user}!", "Hi {user}, hope your afternoon's going well!"],
            ["Good evening, {user}!", "Hey {user}, hope you're having a nice evening!"],
            ["Hey {user}, still up too?", "Hi {user}! It's late here, but I couldn't resist saying hello."]),
        Icebreaker =
        [
            "I'm {me} — your profile caught my eye, so I just had to say hi.",
            "{me} here. I liked your profile, so I thought I'd take my chance. How's your day going?",
            "It's {me}! I couldn't scroll past your profile without saying something. What are you up to?",
        ],
        Text =
        [
            "Ha, I like the way you put that. Tell me more!",
            "That's really interesting — I want to hear more about it.",
            "You've got me smiling over here. What else is on your mind?",
        ],
        TextEcho =
        [
            "\"{echo}\" — okay, now I'm curious. Tell me more!",
            "I keep thinking about \"{echo}\". What made you say that?",
            "Haha, \"{echo}\"? I love that. Go on!",
        ],
        Question =
        [
            "Good question! Honestly, I'd have to think about that one. What about you?",
            "Hmm, you're making me think! Let me turn it around: what would you say?",
            "Ooh, I like that you asked! I'll tell you, but you have to answer first.",
        ],
        QuestionEcho =
        [
            "\"{echo}\" — ha, nobody's asked me that before! What made you wonder?",
            "You want to know \"{echo}\"? Fair question. You first, though!",
            "Asking me \"{echo}\", huh? I like a curious mind. What's your answer?",
        ],
        Picture =
        [
            "Wow, great photo! Where was that taken?",
            "Thanks for the picture — you just made my day a little brighter.",
            "That picture is lovely! What's the story behind it?",
        ],
        Gift =
        [
            "Aww, thank you for the {gift}! That's really sweet of you.",
            "The {gift}, for me? You're spoiling me — thank you!",
            "Wow, a gift! The {gift} totally made my day, thank you.",
        ],
        GiftUnnamed =
        [
            "Aww, a gift for me? Thank you, that's so sweet!",
            "You're spoiling me — thank you for the gift!",
            "What a lovely surprise, thank you for the gift!",
        ],
        Sticker =
        [
            "Haha, love that sticker!",
            "That sticker actually made me laugh out loud!",
            "Ha, perfect sticker choice. You're funny!",
        ],
        Poke =
        [
            "Hey, did you just poke me? Poking you right back!",
            "Poke received! You have my full attention now.",
            "Ha, a poke! I'm all yours — what's up?",
        ],
        TimeRemark = new(
            ["Still on my first coffee here.", "My morning's only just getting started.", "Nice way to start my morning!"],
            ["Perfect little break in my afternoon.", "The afternoon's flying by over here.", "Just taking a quick afternoon break."],
            ["Finally relaxing for the evening here.", "I'm just winding down for the evening.", "My evening just got a lot better."],
            ["It's pretty late here, but I'm still up.", "Can't sleep yet — night owl mode over here.", "It's the middle of the night here and I'm still chatting with you."]),
    };

    public static readonly OfflinePhrases French = new()
    {
        Language = "FR",
        Greeting = new(
            ["Bonjour {user}, bonne matinée !", "Coucou {user} ! J'espère que ta matinée commence bien."],
            ["Coucou {user}, bon après-midi !", "Salut {user} ! J'espère que ton après-midi se passe bien."],
            ["Bonsoir {user} !", "Coucou {user}, j'espère que tu passes une bonne soirée !"],
            ["Coucou {user}, toi non plus tu ne dors pas ?", "Salut {user} ! Il est tard ici, mais je ne pouvais pas m'empêcher de t'écrire."]),
        Icebreaker =
        [
            "Moi, c'est {me} — ton profil m'a tapé dans l'œil, alors il fallait que je te dise bonjour.",
            "C'est {me} ! J'ai bien aimé ton profil, alors je me lance. Comment se passe ta journée ?",
            "Ici {me} ! Impossible de passer à côté de ton profil sans te laisser un petit mot. Tu fais quoi de beau ?",
        ],
        Text =
        [
            "Haha, j'aime bien ta façon de dire les choses. Raconte-m'en plus !",
            "C'est vraiment intéressant, j'ai envie d'en savoir plus.",
            "Tu me fais sourire, là. Et à part ça, quoi de neuf ?",
        ],
        TextEcho =
        [
            "« {echo} » — bon, là tu m'intrigues. Raconte !",
            "Je repense à « {echo} »… Qu'est-ce qui t'a fait dire ça ?",
            "Haha, « {echo} » ? J'adore. Continue !",
        ],
        Question =
        [
            "Bonne question ! Franchement, il faut que j'y réfléchisse. Et toi ?",
            "Hmm, tu me fais réfléchir ! Je te retourne la question : tu dirais quoi, toi ?",
            "J'aime bien que tu me poses la question ! Je te réponds, mais toi d'abord.",
        ],
        QuestionEcho =
        [
            "« {echo} » — haha, on ne me l'avait encore jamais demandé ! Pourquoi cette question ?",
            "Tu veux savoir « {echo} » ? Question légitime. Mais toi d'abord !",
            "« {echo} », hein ? J'aime les gens curieux. Et toi, tu répondrais quoi ?",
        ],
        Picture =
        [
            "Waouh, super photo ! C'était où ?",
            "Merci pour la photo, tu viens d'illuminer ma journée.",
            "Elle est trop belle, cette photo ! Il y a une histoire derrière ?",
        ],
        Gift =
        [
            "Oh, {gift} ! Merci beaucoup, c'est vraiment adorable.",
            "{gift}, pour moi ? Tu me gâtes, merci !",
            "Waouh, un cadeau ! {gift}, ça me fait super plaisir, merci.",
        ],
        GiftUnnamed =
        [
            "Oh, un cadeau pour moi ? Merci, c'est trop mignon !",
            "Tu me gâtes ! Merci pour le cadeau.",
            "Quelle jolie surprise, merci pour ce cadeau !",
        ],
        Sticker =
        [
            "Haha, j'adore ce sticker !",
            "Ce sticker m'a bien fait rire !",
            "Ha, le sticker parfait. T'es drôle, toi !",
        ],
        Poke =
        [
            "Hé, tu viens de m'envoyer un poke ? Je te le renvoie !",
            "Poke bien reçu ! Tu as toute mon attention maintenant.",
            "Ha, un poke ! Je t'écoute, quoi de neuf ?",
        ],
        TimeRemark = new(
            ["Je suis encore sur mon premier café.", "Ma matinée ne fait que commencer.", "Belle façon de commencer ma matinée !"],
            ["Parfait pour une petite pause dans mon après-midi.", "L'après-midi file à toute vitesse ici.", "Je profite d'une petite pause cet après-midi."],
            ["Je me détends enfin pour la soirée.", "Je profite tranquillement de ma soirée.", "Tu viens d'embellir ma soirée."],
            ["Il est tard ici, mais je ne dors pas encore.", "Pas encore sommeil, mode couche-tard activé.", "C'est le milieu de la nuit ici, et je discute encore avec toi."]),
    };

    public static readonly OfflinePhrases German = new()
    {
        Language = "DE",
        Greeting = new(
            ["Guten Morgen, {user}!", "Hey {user}, ich hoffe, dein Morgen läuft gut!"],
            ["Hallo {user}, einen schönen Nachmittag dir!", "Hi {user}! Ich hoffe, dein Nachmittag läuft gut."],
            ["Guten Abend, {user}!", "Hey {user}, ich hoffe, du hast einen schönen Abend!"],
            ["Hey {user}, auch noch wach?", "Hi {user}! Es ist schon spät hier, aber ich wollte dir unbedingt schreiben."]),
        Icebreaker =
        [
            "Ich bin {me} — dein Profil ist mir gleich aufgefallen, da musste ich einfach Hallo sagen.",
            "Hier ist {me}! Dein Profil gefällt mir, also trau ich mich einfach mal. Wie läuft dein Tag?",
            "{me} hier! An deinem Profil konnte ich nicht einfach vorbeiscrollen. Was machst du so?",
        ],
        Text =
        [
            "Haha, wie du das sagst, gefällt mir. Erzähl mehr!",
            "Das klingt echt spannend — da will ich mehr hören.",
            "Du bringst mich zum Lächeln. Was geht dir sonst so durch den Kopf?",
        ],
        TextEcho =
        [
            "„{echo}“ — okay, jetzt bin ich neugierig. Erzähl mehr!",
            "Ich muss gerade an „{echo}“ denken. Wie kommst du darauf?",
            "Haha, „{echo}“? Find ich super. Erzähl weiter!",
        ],
        Question =
        [
            "Gute Frage! Ehrlich gesagt muss ich darüber kurz nachdenken. Und du?",
            "Hmm, da bringst du mich ins Grübeln! Ich geb die Frage mal zurück: Was würdest du sagen?",
            "Schön, dass du fragst! Ich verrat's dir, aber du zuerst.",
        ],
        QuestionEcho =
        [
            "„{echo}“ — haha, das hat mich noch keiner gefragt! Wie kommst du darauf?",
            "Du willst wissen: „{echo}“? Berechtigte Frage. Aber du zuerst!",
            "„{echo}“, hm? Ich mag neugierige Menschen. Was ist deine Antwort?",
        ],
        Picture =
        [
            "Wow, tolles Foto! Wo war das?",
            "Danke für das Bild, du hast mir gerade den Tag versüßt.",
            "Das Foto ist richtig schön! Steckt eine Geschichte dahinter?",
        ],
        Gift =
        [
            "Oh, {gift}! Vielen Dank, das ist echt süß von dir.",
            "{gift} für mich? Du verwöhnst mich ja — danke!",
            "Wow, ein Geschenk! {gift} — damit hast du mir eine riesige Freude gemacht, danke.",
        ],
        GiftUnnamed =
        [
            "Oh, ein Geschenk für mich? Danke, wie süß!",
            "Du verwöhnst mich ja! Danke für das Geschenk.",
            "Was für eine schöne Überraschung, danke für das Geschenk!",
        ],
        Sticker =
        [
            "Haha, der Sticker ist super!",
            "Der Sticker hat mich echt zum Lachen gebracht!",
            "Ha, perfekter Sticker. Du bist lustig!",
        ],
        Poke =
        [
            "Hey, hast du mich gerade angestupst? Ich stups zurück!",
            "Stupser angekommen! Jetzt hast du meine volle Aufmerksamkeit.",
            "Ha, ein Stupser! Okay, ich bin ganz Ohr — was gibt's?",
        ],
        TimeRemark = new(
            ["Ich sitze hier noch bei meinem ersten Kaffee.", "Mein Morgen fängt gerade erst an.", "Schöner Start in meinen Morgen!"],
            ["Perfekt für eine kleine Pause am Nachmittag.", "Der Nachmittag vergeht hier wie im Flug.", "Ich mach gerade eine kurze Nachmittagspause."],
            ["Ich lass den Abend gerade gemütlich ausklingen.", "Endlich Feierabend, jetzt wird entspannt.", "Mein Abend ist gerade viel schöner geworden."],
            ["Es ist schon ziemlich spät hier, aber ich bin noch wach.", "Ich kann noch nicht schlafen — Nachteulen-Modus an.", "Hier ist es mitten in der Nacht, und ich schreib immer noch mit dir."]),
    };

    public static readonly OfflinePhrases Spanish = new()
    {
        Language = "ES",
        Greeting = new(
            ["¡Buenos días, {user}!", "¡Hola, {user}! Espero que tu mañana haya empezado bien."],
            ["¡Buenas tardes, {user}!", "¡Hola, {user}! Espero que estés pasando una buena tarde."],
            ["¡Buenas noches, {user}!", "¡Hola, {user}! ¿Qué tal va tu noche?"],
            ["Hola, {user}, ¿tú tampoco puedes dormir?", "¡Hola, {user}! Aquí ya es tarde, pero no pude resistirme a saludarte."]),
        Icebreaker =
        [
            "Soy {me}. Tu perfil me llamó la atención, así que tenía que saludarte.",
            "¡Aquí {me}! Me gustó tu perfil, así que me animé a escribirte. ¿Qué tal tu día?",
            "¡{me} por aquí! No podía ver tu perfil y seguir de largo sin decirte nada. ¿Qué tal todo?",
        ],
        Text =
        [
            "Jaja, me gusta cómo lo dices. ¡Cuéntame más!",
            "Qué interesante, de verdad. Quiero saber más.",
            "Me sacaste una sonrisa. ¿Qué más se te pasa por la cabeza?",
        ],
        TextEcho =
        [
            "\"{echo}\"… bueno, ahora me da curiosidad. ¡Cuéntame más!",
            "Me quedé pensando en \"{echo}\". ¿Por qué lo dices?",
            "Jaja, ¿\"{echo}\"? Me encanta. ¡Sigue!",
        ],
        Question =
        [
            "¡Buena pregunta! La verdad, tendría que pensarlo. ¿Y tú?",
            "Mmm, ¡me haces pensar! Te devuelvo la pregunta: ¿tú qué dirías?",
            "¡Me gusta que me lo preguntes! Te respondo, pero tú primero.",
        ],
        QuestionEcho =
        [
            "\"{echo}\"… jaja, ¡nadie me lo había preguntado antes! ¿Por qué la pregunta?",
            "¿Quieres saber \"{echo}\"? Pregunta justa. ¡Pero tú primero!",
            "Así que \"{echo}\", ¿eh? Me gusta la gente curiosa. ¿Y tu respuesta?",
        ],
        Picture =
        [
            "¡Guau, qué foto tan buena! ¿Dónde fue?",
            "Gracias por la foto, me alegraste el día.",
            "¡Qué foto tan bonita! ¿Tiene alguna historia detrás?",
        ],
        Gift =
        [
            "¡Ay, {gift}! Muchísimas gracias, qué detalle.",
            "¿{gift} para mí? Me mimas demasiado, ¡gracias!",
            "¡Un regalo! {gift}… no tenías que hacerlo, ¡gracias!",
        ],
        GiftUnnamed =
        [
            "¿Un regalo para mí? ¡Gracias, qué detalle tan bonito!",
            "¡Me mimas! Gracias por el regalo.",
            "¡Qué sorpresa tan bonita, gracias por el regalo!",
        ],
        Sticker =
        [
            "Jaja, ¡me encanta ese sticker!",
            "¡Ese sticker me hizo reír!",
            "Ja, el sticker perfecto. ¡Me haces reír!",
        ],
        Poke =
        [
            "Oye, ¿me acabas de dar un toque? ¡Ahí te va otro!",
            "¡Toque recibido! Ahora tienes toda mi atención.",
            "¡Ja, un toque! Aquí estoy, cuéntame.",
        ],
        TimeRemark = new(
            ["Aquí sigo con mi primer café.", "Mi mañana apenas empieza.", "¡Qué buena forma de empezar la mañana!"],
            ["Justo me venía bien una pausa esta tarde.", "La tarde se me está pasando volando.", "Aprovecho un ratito libre esta tarde."],
            ["Por fin me relajo un poco esta noche.", "Estoy disfrutando de una noche tranquila.", "Mi noche acaba de mejorar."],
            ["Aquí ya es muy tarde, pero todavía no tengo sueño.", "Modo búho activado: todavía no me puedo dormir.", "Aquí es plena madrugada y sigo charlando contigo."]),
    };

    public static readonly OfflinePhrases Italian = new()
    {
        Language = "IT",
        Greeting = new(
            ["Buongiorno, {user}!", "Ciao {user}, spero che la tua mattinata sia iniziata bene!"],
            ["Buon pomeriggio, {user}!", "Ciao {user}! Spero che il tuo pomeriggio stia andando bene."],
            ["Buonasera, {user}!", "Ciao {user}, spero che tu stia passando una bella serata!"],
            ["Ehi {user}, anche tu non riesci a dormire?", "Ciao {user}! Qui è tardi, ma non potevo non salutarti."]),
        Icebreaker =
        [
            "Sono {me}: il tuo profilo mi ha colpito, quindi dovevo proprio salutarti.",
            "Ti scrive {me}! Mi è piaciuto il tuo profilo, così ho deciso di farmi avanti. Come va la giornata?",
            "Eccomi, sono {me}! Non potevo passare davanti al tuo profilo senza dirti niente. Che fai di bello?",
        ],
        Text =
        [
            "Ahah, mi piace come lo dici. Raccontami di più!",
            "Davvero interessante, ne voglio sapere di più.",
            "Mi hai fatto sorridere. Cos'altro ti passa per la testa?",
        ],
        TextEcho =
        [
            "\"{echo}\"… ok, adesso voglio sapere tutto. Raccontami!",
            "Sto ripensando a \"{echo}\". Come mai l'hai detto?",
            "Ahah, \"{echo}\"? Adoro. Continua!",
        ],
        Question =
        [
            "Bella domanda! Sinceramente dovrei pensarci un attimo. E tu?",
            "Mmm, mi fai riflettere! Ti giro la domanda: tu cosa diresti?",
            "Mi piace che tu me lo chieda! Ti rispondo, ma prima tu.",
        ],
        QuestionEcho =
        [
            "\"{echo}\"… ahah, nessuno me l'aveva mai chiesto! Come mai questa domanda?",
            "Vuoi sapere \"{echo}\"? Domanda legittima. Ma prima tu!",
            "\"{echo}\", eh? Mi piacciono le persone curiose. E la tua risposta?",
        ],
        Picture =
        [
            "Wow, che bella foto! Dov'eri?",
            "Grazie per la foto, mi hai appena migliorato la giornata.",
            "Bellissima questa foto! C'è una storia dietro?",
        ],
        Gift =
        [
            "Oh, {gift}! Grazie mille, che pensiero dolce.",
            "{gift} per me? Mi vizi troppo, grazie!",
            "Wow, un regalo! {gift}… non dovevi, grazie!",
        ],
        GiftUnnamed =
        [
            "Oh, un regalo per me? Grazie, che carino!",
            "Mi vizi! Grazie per il regalo.",
            "Che bella sorpresa, grazie per il regalo!",
        ],
        Sticker =
        [
            "Ahah, adoro questo sticker!",
            "Quello sticker mi ha fatto proprio ridere!",
            "Ah, lo sticker perfetto. Mi fai ridere!",
        ],
        Poke =
        [
            "Ehi, mi hai appena dato un colpetto? Eccone uno anche per te!",
            "Colpetto ricevuto! Adesso hai tutta la mia attenzione.",
            "Ah, un colpetto! Eccomi, dimmi tutto.",
        ],
        TimeRemark = new(
            ["Sono ancora al primo caffè.", "La mia mattinata è appena cominciata.", "Che bel modo di iniziare la mattinata!"],
            ["Proprio quello che ci voleva per una pausa pomeridiana.", "Qui il pomeriggio sta volando.", "Mi sto prendendo una pausa nel pomeriggio."],
            ["Finalmente mi rilasso un po' per la serata.", "Mi sto godendo una serata tranquilla.", "La mia serata è appena migliorata."],
            ["Qui è piuttosto tardi, ma non ho ancora sonno.", "Modalità gufo attivata: di dormire non se ne parla.", "Qui è notte fonda e sto ancora chattando con te."]),
    };

    public static readonly OfflinePhrases Dutch = new()
    {
        Language = "NL",
        Greeting = new(
            ["Goedemorgen, {user}!", "Hoi {user}, ik hoop dat je ochtend goed begonnen is!"],
            ["Goedemiddag, {user}!", "Hoi {user}! Ik hoop dat je een fijne middag hebt."],
            ["Goedenavond, {user}!", "Hé {user}, ik hoop dat je een fijne avond hebt!"],
            ["Hé {user}, ben jij ook nog wakker?", "Hoi {user}! Het is al laat hier, maar ik kon het niet laten om je een berichtje te sturen."]),
        Icebreaker =
        [
            "Ik ben {me}. Je profiel viel me meteen op, dus ik moest je even gedag zeggen.",
            "Met {me}! Ik vond je profiel leuk, dus ik waag het erop. Hoe is je dag?",
            "{me} hier! Ik kon niet zomaar langs je profiel scrollen. Waar ben je mee bezig?",
        ],
        Text =
        [
            "Haha, ik vind het leuk hoe je dat zegt. Vertel meer!",
            "Dat klinkt echt interessant, daar wil ik meer over horen.",
            "Je tovert een glimlach op mijn gezicht. Wat houdt je verder nog bezig?",
        ],
        TextEcho =
        [
            "\"{echo}\" — oké, nu ben ik nieuwsgierig. Vertel!",
            "Ik moet steeds denken aan \"{echo}\". Hoe kom je erbij?",
            "Haha, \"{echo}\"? Geweldig. Ga door!",
        ],
        Question =
        [
            "Goeie vraag! Eerlijk gezegd moet ik daar even over nadenken. En jij?",
            "Hmm, je zet me aan het denken! Ik stel de vraag terug: wat zou jij zeggen?",
            "Leuk dat je het vraagt! Ik vertel het je, maar jij eerst.",
        ],
        QuestionEcho =
        [
            "\"{echo}\" — haha, dat heeft nog nooit iemand me gevraagd! Hoe kom je erop?",
            "Je wilt weten \"{echo}\"? Terechte vraag. Maar jij eerst!",
            "\"{echo}\", hè? Ik hou van nieuwsgierige mensen. Wat is jouw antwoord?",
        ],
        Picture =
        [
            "Wauw, mooie foto! Waar was dat?",
            "Bedankt voor de foto, je maakt mijn dag een stuk mooier.",
            "Wat een leuke foto! Zit er een verhaal achter?",
        ],
        Gift =
        [
            "Oh, {gift}! Heel erg bedankt, wat lief van je.",
            "{gift} voor mij? Je verwent me — dankjewel!",
            "Wauw, een cadeautje! {gift}… dat had je niet hoeven doen, dankjewel!",
        ],
        GiftUnnamed =
        [
            "Oh, een cadeautje voor mij? Dankjewel, wat lief!",
            "Je verwent me! Bedankt voor het cadeautje.",
            "Wat een leuke verrassing, bedankt voor het cadeautje!",
        ],
        Sticker =
        [
            "Haha, wat een leuke sticker!",
            "Die sticker maakte me echt aan het lachen!",
            "Ha, perfecte sticker. Je bent grappig!",
        ],
        Poke =
        [
            "Hé, por je me nou? Ik por terug!",
            "Por ontvangen! Nu heb je mijn volle aandacht.",
            "Ha, een por! Oké, ik ben een en al oor — wat is er?",
        ],
        TimeRemark = new(
            ["Ik zit hier nog aan mijn eerste kopje koffie.", "Mijn ochtend is net begonnen.", "Wat een fijne start van mijn ochtend!"],
            ["Perfect voor een korte middagpauze.", "De middag vliegt hier voorbij.", "Ik neem net even pauze deze middag."],
            ["Ik zit lekker op de bank, heerlijk avondje.", "Eindelijk even rust, lekker avondje hier.", "Mijn avond is net een stuk leuker geworden."],
            ["Het is al behoorlijk laat hier, maar ik ben nog wakker.", "Ik kan nog niet slapen — echte nachtuil hier.", "Het is hier midden in de nacht, en ik zit nog steeds met je te kletsen."]),
    };

    public static readonly OfflinePhrases Portuguese = new()
    {
        Language = "PT",
        Greeting = new(
            ["Bom dia, {user}!", "Olá, {user}! Espero que a sua manhã tenha começado bem."],
            ["Boa tarde, {user}!", "Olá, {user}! Como vai a sua tarde?"],
            ["Boa noite, {user}!", "Olá, {user}! Espero que a sua noite esteja tranquila."],
            ["Olá, {user}! Também não consegue dormir?", "Olá, {user}! Já é tarde aqui, mas não resisti a dizer olá."]),
        Icebreaker =
        [
            "O meu nome é {me}. Adorei o seu perfil, por isso resolvi mandar uma mensagem.",
            "{me} aqui! Gostei muito do seu perfil e decidi arriscar. Como está o seu dia?",
            "Prazer, sou {me}! Não dava para passar pelo seu perfil sem dizer nada. Como vai tudo por aí?",
        ],
        Text =
        [
            "Haha, gostei da maneira como disse isso. Conte mais!",
            "Que interessante! Quero saber mais.",
            "Que bom ler isso! E quais são as novidades?",
        ],
        TextEcho =
        [
            "\"{echo}\"… agora quero saber tudo. Conte mais!",
            "Não paro de pensar em \"{echo}\". De onde veio isso?",
            "Haha, \"{echo}\"? Adorei. Continue!",
        ],
        Question =
        [
            "Boa pergunta! Sinceramente, tenho que pensar nisso. E a sua resposta?",
            "Hmm, isso dá que pensar! Devolvo a pergunta: o que diria?",
            "Adorei a pergunta! Eu respondo, mas primeiro quero a sua resposta.",
        ],
        QuestionEcho =
        [
            "\"{echo}\"… haha, nunca ninguém me perguntou isso! De onde veio essa curiosidade?",
            "Quer saber \"{echo}\"? Pergunta justa. Mas primeiro quero a sua resposta!",
            "Então \"{echo}\", hein? Adoro gente curiosa. E a sua resposta?",
        ],
        Picture =
        [
            "Uau, que foto incrível! Onde foi isso?",
            "Adorei a foto, alegrou o meu dia.",
            "Que foto bonita! Tem alguma história por trás?",
        ],
        Gift =
        [
            "Oh, {gift}! Que amor, agradeço de coração.",
            "{gift} para mim? Que mimo, adorei!",
            "Uau, um presente! {gift}… não precisava, mas adorei!",
        ],
        GiftUnnamed =
        [
            "Oh, um presente para mim? Que mimo, adorei!",
            "Que surpresa boa! Agradeço muito o presente.",
            "Que gesto bonito, adorei o presente!",
        ],
        Sticker =
        [
            "Haha, adorei esse sticker!",
            "Ri muito com esse sticker!",
            "Ha, sticker perfeito. Que engraçado!",
        ],
        Poke =
        [
            "Ei, isso foi um toque? Aqui vai outro de volta!",
            "Toque recebido! Agora tem toda a minha atenção.",
            "Haha, um toque! Estou aqui, conte tudo.",
        ],
        TimeRemark = new(
            ["Ainda estou no primeiro café.", "A minha manhã mal começou.", "Que ótima forma de começar a manhã!"],
            ["Perfeito para uma pausa à tarde.", "A tarde aqui passa num instante.", "Aproveito uma pausinha da tarde para responder."],
            ["Finalmente um pouco de descanso esta noite.", "Noite tranquila por aqui, ideal para conversar.", "A minha noite acabou de ficar melhor."],
            ["Já é bem tarde aqui, mas ainda não tenho sono.", "Modo coruja ativado: ainda não consigo dormir.", "Aqui já é madrugada, e a conversa continua!"]),
    };
}
