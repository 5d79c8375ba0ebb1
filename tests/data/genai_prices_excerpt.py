"""An excerpt of genai-prices 0.2.3's genai_prices/data.py (MIT licence): the models the tests
check, as the wheel ships them (its usage extractors left out)."""

import datetime
from decimal import Decimal

from .types import *

providers: list[Provider] = [
    Provider(
        id='anthropic',
        name='Anthropic',
        api_pattern='https://api\\.anthropic\\.com',
        models=[
            ModelInfo(
                id='claude-opus-4-6',
                match=ClauseOr(
                    or_=[
                        ClauseStartsWith(starts_with='claude-opus-4-6'),
                        ClauseStartsWith(starts_with='claude-opus-4.6'),
                        ClauseStartsWith(starts_with='claude-4-6-opus'),
                        ClauseStartsWith(starts_with='claude-4.6-opus'),
                    ]
                ),
                name='Claude Opus 4.6',
                description='Our most intelligent model for building agents and coding',
                context_window=1000000,
                price_comments='One-hour cache writes cost 2x the base input price. The 1M context window is generally available. Refs: https://platform.claude.com/docs/en/build-with-claude/prompt-caching#pricing, https://platform.claude.com/docs/en/build-with-claude/context-windows#context-window-sizes-by-model',
                prices=[
                    ConditionalPrice(
                        prices=ModelPrice(
                            input_mtok=TieredPrices(base=Decimal('5'), tiers=[Tier(start=200000, price=Decimal('10'))]),
                            cache_write_mtok=TieredPrices(
                                base=Decimal('6.25'), tiers=[Tier(start=200000, price=Decimal('12.5'))]
                            ),
                            cache_read_mtok=TieredPrices(
                                base=Decimal('0.5'), tiers=[Tier(start=200000, price=Decimal('1'))]
                            ),
                            output_mtok=TieredPrices(
                                base=Decimal('25'), tiers=[Tier(start=200000, price=Decimal('37.5'))]
                            ),
                            cache_write_1h_mtok=TieredPrices(
                                base=Decimal('10'), tiers=[Tier(start=200000, price=Decimal('20'))]
                            ),
                            web_searches_kcount=Decimal('10'),
                        )
                    ),
                    ConditionalPrice(
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 3, 13)),
                        prices=ModelPrice(
                            input_mtok=Decimal('5'),
                            cache_write_mtok=Decimal('6.25'),
                            cache_read_mtok=Decimal('0.5'),
                            output_mtok=Decimal('25'),
                            cache_write_1h_mtok=Decimal('10'),
                            web_searches_kcount=Decimal('10'),
                        ),
                    ),
                ],
                price_variants=[
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=Decimal('2.5'),
                            cache_write_mtok=Decimal('3.125'),
                            cache_read_mtok=Decimal('0.25'),
                            output_mtok=Decimal('12.5'),
                            cache_write_1h_mtok=Decimal('5'),
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    )
                ],
            ),
            ModelInfo(
                id='claude-sonnet-4-6',
                match=ClauseOr(
                    or_=[
                        ClauseStartsWith(starts_with='claude-sonnet-4-6'),
                        ClauseStartsWith(starts_with='claude-sonnet-4.6'),
                    ]
                ),
                name='Claude Sonnet 4.6',
                description='Our best combination of speed and intelligence',
                context_window=1000000,
                price_comments='One-hour cache writes cost 2x the base input price. Ref: https://platform.claude.com/docs/en/build-with-claude/prompt-caching#pricing',
                prices=[
                    ConditionalPrice(
                        prices=ModelPrice(
                            input_mtok=TieredPrices(base=Decimal('3'), tiers=[Tier(start=200000, price=Decimal('6'))]),
                            cache_write_mtok=TieredPrices(
                                base=Decimal('3.75'), tiers=[Tier(start=200000, price=Decimal('7.5'))]
                            ),
                            cache_read_mtok=TieredPrices(
                                base=Decimal('0.3'), tiers=[Tier(start=200000, price=Decimal('0.6'))]
                            ),
                            output_mtok=TieredPrices(
                                base=Decimal('15'), tiers=[Tier(start=200000, price=Decimal('22.5'))]
                            ),
                            cache_write_1h_mtok=TieredPrices(
                                base=Decimal('6'), tiers=[Tier(start=200000, price=Decimal('12'))]
                            ),
                            web_searches_kcount=Decimal('10'),
                        )
                    ),
                    ConditionalPrice(
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 3, 13)),
                        prices=ModelPrice(
                            input_mtok=Decimal('3'),
                            cache_write_mtok=Decimal('3.75'),
                            cache_read_mtok=Decimal('0.3'),
                            output_mtok=Decimal('15'),
                            cache_write_1h_mtok=Decimal('6'),
                            web_searches_kcount=Decimal('10'),
                        ),
                    ),
                ],
                price_variants=[
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=Decimal('1.5'),
                            cache_write_mtok=Decimal('1.875'),
                            cache_read_mtok=Decimal('0.15'),
                            output_mtok=Decimal('7.5'),
                            cache_write_1h_mtok=Decimal('3'),
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    )
                ],
            ),
        ],
    ),
    Provider(
        id='deepseek',
        name='Deepseek',
        api_pattern='https://api\\.deepseek\\.com',
        models=[
            ModelInfo(
                id='deepseek-flash',
                match=ClauseEquals(equals='deepseek-flash'),
                name='DeepSeek V4.1 Flash',
                description='DeepSeek-V4.1-Flash, with native visual understanding. Supports both non-thinking and thinking (default) modes, JSON output, tool calls, chat prefix completion, and FIM completion (non-thinking only).',
                context_window=1000000,
                price_comments='Released 2026-09-10 (https://api-docs.deepseek.com/updates). Peak is "UTC 01:00-04:00" and "UTC 06:00-10:00" Monday to Friday, everything else is off-peak. Weekends and Chinese public holidays are off-peak all day, which needs a day-of-week condition, so on those days the peak prices here are an upper bound. See https://github.com/pydantic/genai-prices/issues/582.',
                prices=[
                    ConditionalPrice(
                        prices=ModelPrice(
                            input_mtok=Decimal('0.15'), cache_read_mtok=Decimal('0.003'), output_mtok=Decimal('0.6')
                        )
                    ),
                    ConditionalPrice(
                        constraint=TimeOfDateConstraint(
                            start_time=datetime.time(1, 0, tzinfo=datetime.UTC),
                            end_time=datetime.time(4, 0, tzinfo=datetime.UTC),
                        ),
                        prices=ModelPrice(
                            input_mtok=Decimal('0.3'), cache_read_mtok=Decimal('0.006'), output_mtok=Decimal('1.2')
                        ),
                    ),
                    ConditionalPrice(
                        constraint=TimeOfDateConstraint(
                            start_time=datetime.time(6, 0, tzinfo=datetime.UTC),
                            end_time=datetime.time(10, 0, tzinfo=datetime.UTC),
                        ),
                        prices=ModelPrice(
                            input_mtok=Decimal('0.3'), cache_read_mtok=Decimal('0.006'), output_mtok=Decimal('1.2')
                        ),
                    ),
                ],
            ),
        ],
    ),
    Provider(
        id='google',
        name='Google',
        api_pattern='https://(.*\\.)?googleapis\\.com',
        models=[
            ModelInfo(
                id='gemini-3.5-flash-lite',
                match=ClauseOr(
                    or_=[
                        ClauseStartsWith(starts_with='gemini-3.5-flash-lite'),
                        ClauseEquals(equals='gemini-flash-lite-latest'),
                    ]
                ),
                name='Gemini 3.5 Flash Lite',
                description="Google's fastest and most cost-efficient Gemini 3.5 series model, optimized for high-volume, low-latency applications while maintaining strong multimodal capabilities.",
                context_window=1000000,
                price_comments='See https://ai.google.dev/gemini-api/docs/pricing. Standard tier pricing shown; Batch and Flex tiers offer 50% discount. Input rate is unified across text/image/video/audio (no separate audio rate). Batch rates verified on 2026-10-14 at https://ai.google.dev/gemini-api/docs/pricing (Batch tab); batch history before then is not modelled. Batch halves input and output; batch context caching is $0.02, not half of the $0.03 standard rate.',
                prices=ModelPrice(
                    input_mtok=Decimal('0.3'),
                    cache_read_mtok=Decimal('0.03'),
                    output_mtok=Decimal('2.5'),
                    web_searches_kcount=Decimal('14'),
                ),
                price_variants=[
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=Decimal('0.15'), cache_read_mtok=Decimal('0.02'), output_mtok=Decimal('1.25')
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    )
                ],
            ),
            ModelInfo(
                id='gemini-4-argon',
                match=ClauseOr(
                    or_=[
                        ClauseEquals(equals='gemini-4-argon'),
                        ClauseStartsWith(starts_with='gemini-4-argon-preview'),
                        ClauseRegex(regex='^gemini-4-argon-\\d'),
                    ]
                ),
                name='Gemini 4 Argon',
                description="Google's frontier model for complex, long-horizon workflows across real-world software engineering, enterprise knowledge work like legal and finance, and cybersecurity defense, with output of up to 1M tokens.",
                context_window=1048576,
                price_comments='See https://ai.google.dev/gemini-api/docs/pricing. Standard tier pricing shown; Batch and Flex tiers offer 50% discount, Priority tier is 1.8x. Introductory rates apply through 2026-11-30. No prompt-size tiers or separate audio input rate are documented. Implicit caching only. Batch rates verified on 2026-10-14 at https://ai.google.dev/gemini-api/docs/pricing (Batch tab); batch history before then is not modelled. Batch halves input, output and context caching, at both the introductory and the 2026-12-01 rates.',
                prices=[
                    ConditionalPrice(
                        prices=ModelPrice(
                            input_mtok=Decimal('2'),
                            cache_read_mtok=Decimal('0.1'),
                            output_mtok=Decimal('10'),
                            web_searches_kcount=Decimal('14'),
                        )
                    ),
                    ConditionalPrice(
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 12, 1)),
                        prices=ModelPrice(
                            input_mtok=Decimal('4'),
                            cache_read_mtok=Decimal('0.2'),
                            output_mtok=Decimal('20'),
                            web_searches_kcount=Decimal('14'),
                        ),
                    ),
                ],
                price_variants=[
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=Decimal('2'), cache_read_mtok=Decimal('0.1'), output_mtok=Decimal('10')
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 12, 1)),
                    ),
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=Decimal('1'), cache_read_mtok=Decimal('0.05'), output_mtok=Decimal('5')
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    ),
                ],
            ),
            ModelInfo(
                id='gemini-embedding-2',
                match=ClauseOr(
                    or_=[ClauseEquals(equals='gemini-embedding-2'), ClauseEquals(equals='gemini-embedding-2-preview')]
                ),
                name='Gemini Embedding 2',
                description="Google's multimodal embedding model for text, images, audio, video, and documents.",
                context_window=8192,
                price_comments='See https://ai.google.dev/gemini-api/docs/pricing#gemini-embedding-2. Batch rates verified on 2026-10-14 at https://ai.google.dev/gemini-api/docs/pricing (Batch tab); batch history before then is not modelled. Batch halves every input modality. The models catalog (https://ai.google.dev/gemini-api/docs/models) names the endpoint `gemini-embedding-2-preview` and the pricing page `gemini-embedding-2`; both were added to the match on 2026-10-15 at the published Embedding 2 rates.',
                prices=ModelPrice(
                    input_mtok=Decimal('0.2'),
                    input_audio_mtok=Decimal('6.5'),
                    input_image_mtok=Decimal('0.45'),
                    input_video_mtok=Decimal('12'),
                ),
                price_variants=[
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=Decimal('0.1'),
                            input_audio_mtok=Decimal('3.25'),
                            input_image_mtok=Decimal('0.225'),
                            input_video_mtok=Decimal('6'),
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    )
                ],
            ),
        ],
    ),
    Provider(
        id='openai',
        name='OpenAI',
        api_pattern='https://api\\.openai\\.com',
        models=[
            ModelInfo(
                id='gpt-5.4',
                match=ClauseOr(
                    or_=[
                        ClauseEquals(equals='gpt-5.4'),
                        ClauseEquals(equals='gpt-5.4-2026-03-05'),
                        ClauseEquals(equals='gpt-5-4'),
                        ClauseEquals(equals='gpt-5-4-2026-03-05'),
                    ]
                ),
                name='GPT-5.4',
                description="OpenAI's most capable model with a 1.05M token context window.",
                context_window=1050000,
                price_comments='Flex/priority/fast rates verified on 2026-10-12 at https://developers.openai.com/api/docs/pricing. Batch rates verified on 2026-10-14 at https://developers.openai.com/api/docs/pricing. Batch cached rates use the published rounded values. Tier history before this verification is not modeled. Flex cached input uses the published $0.13/MTok rate. The long-context rates apply to prompts with more than 272K input tokens. Tier starts use 272000 because the pricing engines select a tier when the token count is greater than start. Ref: https://developers.openai.com/api/docs/models/gpt-5.4',
                prices=ModelPrice(
                    input_mtok=TieredPrices(base=Decimal('2.5'), tiers=[Tier(start=272000, price=Decimal('5'))]),
                    cache_read_mtok=TieredPrices(
                        base=Decimal('0.25'), tiers=[Tier(start=272000, price=Decimal('0.5'))]
                    ),
                    output_mtok=TieredPrices(base=Decimal('15'), tiers=[Tier(start=272000, price=Decimal('22.5'))]),
                    web_searches_kcount=Decimal('10'),
                    storage_searches_kcount=Decimal('2.5'),
                ),
                price_variants=[
                    PriceVariant(when={'service_tier': 'default'}, prices=ModelPrice(), constraint=None),
                    PriceVariant(
                        when={'service_tier': 'flex'},
                        prices=ModelPrice(
                            input_mtok=TieredPrices(
                                base=Decimal('1.25'), tiers=[Tier(start=272000, price=Decimal('2.5'))]
                            ),
                            cache_read_mtok=TieredPrices(
                                base=Decimal('0.13'), tiers=[Tier(start=272000, price=Decimal('0.25'))]
                            ),
                            output_mtok=TieredPrices(
                                base=Decimal('7.5'), tiers=[Tier(start=272000, price=Decimal('11.25'))]
                            ),
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 12)),
                    ),
                    PriceVariant(
                        when={'service_tier': 'priority'},
                        prices=ModelPrice(
                            input_mtok=Decimal('5'), cache_read_mtok=Decimal('0.5'), output_mtok=Decimal('30')
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 12)),
                    ),
                    PriceVariant(
                        when={'service_tier': 'fast'},
                        prices=ModelPrice(
                            input_mtok=Decimal('5'), cache_read_mtok=Decimal('0.5'), output_mtok=Decimal('30')
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 12)),
                    ),
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=TieredPrices(
                                base=Decimal('1.25'), tiers=[Tier(start=272000, price=Decimal('2.5'))]
                            ),
                            cache_read_mtok=TieredPrices(
                                base=Decimal('0.13'), tiers=[Tier(start=272000, price=Decimal('0.25'))]
                            ),
                            output_mtok=TieredPrices(
                                base=Decimal('7.5'), tiers=[Tier(start=272000, price=Decimal('11.25'))]
                            ),
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    ),
                ],
            ),
        ],
    ),
    Provider(
        id='x-ai',
        name='X AI',
        api_pattern='https://api\\.x\\.ai',
        models=[
            ModelInfo(
                id='grok-4.3',
                match=ClauseOr(
                    or_=[
                        ClauseEquals(equals='grok-4.3'),
                        ClauseRegex(regex='^grok-4\\.3-\\d{8}$'),
                        ClauseEquals(equals='x-ai/grok-4.3'),
                        ClauseRegex(regex='^x-ai/grok-4\\.3-\\d{8}$'),
                        ClauseEquals(equals='grok-4.3-latest'),
                    ]
                ),
                name='Grok 4.3',
                description='Most advanced flagship model, leading the industry in non-hallucination rate, agentic tool calling, and instruction following capabilities. Supports text and image inputs with text outputs, function calling, structured outputs, and reasoning.',
                context_window=1000000,
                price_comments='Prompts at or above 200k tokens are billed at the higher rate for every token in the request, not just the tokens past the threshold. xAI\'s boundary is inclusive -- its table columns read "< 200k prompt tokens" and ">= 200k prompt tokens" -- while a tier here fires on `tokens > start`, so the start is 199999 and a 200000-token prompt lands on the higher rate. Ref: https://docs.x.ai/docs/models The Batch API is 20% off every token type, cached tokens included, on both context tiers. Ref: https://docs.x.ai/developers/pricing#batch-api-pricing',
                prices=ModelPrice(
                    input_mtok=TieredPrices(base=Decimal('1.25'), tiers=[Tier(start=199999, price=Decimal('2.5'))]),
                    cache_read_mtok=TieredPrices(base=Decimal('0.2'), tiers=[Tier(start=199999, price=Decimal('0.4'))]),
                    output_mtok=TieredPrices(base=Decimal('2.5'), tiers=[Tier(start=199999, price=Decimal('5'))]),
                ),
                price_variants=[
                    PriceVariant(
                        when={'processing': 'batch'},
                        prices=ModelPrice(
                            input_mtok=TieredPrices(base=Decimal('1'), tiers=[Tier(start=199999, price=Decimal('2'))]),
                            cache_read_mtok=TieredPrices(
                                base=Decimal('0.16'), tiers=[Tier(start=199999, price=Decimal('0.32'))]
                            ),
                            output_mtok=TieredPrices(base=Decimal('2'), tiers=[Tier(start=199999, price=Decimal('4'))]),
                        ),
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 14)),
                    )
                ],
            ),
        ],
    ),
]
