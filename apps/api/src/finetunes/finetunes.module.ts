import { Module } from '@nestjs/common';
import { FinetunesController } from './finetunes.controller';
import { FinetunesService } from './finetunes.service';

@Module({ controllers: [FinetunesController], providers: [FinetunesService], exports: [FinetunesService] })
export class FinetunesModule {}
